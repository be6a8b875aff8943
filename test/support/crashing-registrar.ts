// The registrar thread, ended by the first registration it is sent, before it answers:
// what the service sees when the thread dies mid-registration (a bug, or out of memory).
import { parentPort } from "node:worker_threads"
import "../../src/registrar.js"

parentPort?.on("message", (message) => {
  if (Array.isArray(message)) process.exit(3)
})
