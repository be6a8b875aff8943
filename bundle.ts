import { build } from "esbuild"
import { readFileSync, rmSync } from "node:fs"
import { pathToFileURL } from "node:url"

/**
 * Bundles one entry point into `outdir` as `<name>.js`. Code that is only imported
 * dynamically (the Swagger UI page of /docs) goes to `chunks/` and is loaded on its
 * first use, not at start. Imports of `@effect/platform` and `@effect/platform-node` go
 * through their modules' own paths, since each index reaches every module: the first's
 * the Swagger UI page, the second's an HTTP client (undici) the service never uses.
 */
export const bundle = (name: string, entry: string, outdir: string) =>
  build({
    entryPoints: { [name]: entry },
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    // The native SQLite driver stays in node_modules; pg asks for pg-native only when told to, and it is not installed.
    external: ["better-sqlite3", "pg-native"],
    // Names are kept, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "warning",
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }
  })

/**
 * What `npm start` runs after building, as `node`'s arguments: its flags, then the
 * bundle (package.json). The Docker image runs the same; the benches start the service so.
 */
export const startCommand = (): ReadonlyArray<string> => {
  const { scripts } = JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")) as { scripts: { start: string } }
  const node = scripts.start.split("&&").map((part) => part.trim().split(/\s+/)).find(([command]) => command === "node")
  return node === undefined ? [] : node.slice(1)
}

/** `npm start`'s node flags alone, without the bundle it runs. */
export const startFlags = (): ReadonlyArray<string> => startCommand().slice(0, -1)

/** `tsx bundle.ts [outdir]`: the service and its registrar thread, into dist/ unless told. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outdir = process.argv[2] ?? "dist"
  // Chunks are named by their content: those of an earlier build would pile up.
  rmSync(`${outdir}/chunks`, { recursive: true, force: true })
  await bundle("mini-crm", "src/main.ts", outdir)
  await bundle("registrar", "src/registrar.ts", outdir)
}
