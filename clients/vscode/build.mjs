// esbuild: the extension (Node, CommonJS, `vscode` external), the chat webview script
// (browser IIFE) and, with --tests, the unit and integration tests.
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const minify = process.argv.includes("--minify");
const tests = process.argv.includes("--tests");

await esbuild.build({
  entryPoints: ["src/extension.ts"], bundle: true, outfile: "dist/extension.js", external: ["vscode"],
  format: "cjs", platform: "node", target: "node18", sourcemap: !minify, minify, logLevel: "warning",
});
await esbuild.build({
  entryPoints: ["src/webview/main.ts"], bundle: true, outfile: "dist/webview.js",
  format: "iife", platform: "browser", target: "es2020", sourcemap: !minify, minify, logLevel: "warning",
});
if (tests) {
  const entries = ["unit", "integration"].flatMap((dir) =>
    readdirSync(`test/${dir}`).filter((f) => f.endsWith(".test.ts")).map((f) => `test/${dir}/${f}`));
  await esbuild.build({
    entryPoints: entries, bundle: true, outdir: "out/test", outbase: "test", external: ["vscode"],
    format: "cjs", platform: "node", target: "node18", sourcemap: true, logLevel: "warning",
  });
}
