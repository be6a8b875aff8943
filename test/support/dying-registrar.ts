// The registrar thread, ended on its own a moment after it starts: what the
// service sees when the thread dies (a bug, or out of memory).
import "../../src/registrar.js"

setTimeout(() => process.exit(3), 1_500)
