// Preloaded into the API process by bench/subscriptions-latency.ts (`node --expose-gc -r <this> dist/src/main.js`):
// on SIGUSR2, collect garbage and print the process's memory as one line, so the bench can read the heap from outside.
process.on("SIGUSR2", () => {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  process.stdout.write(`MEMORY ${JSON.stringify(process.memoryUsage())}\n`);
});
