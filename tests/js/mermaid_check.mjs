// Validate Mermaid sources given as JSON array on stdin: prints JSON [{ok, error}] per diagram.
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
try { globalThis.navigator = dom.window.navigator; } catch {}
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const src of JSON.parse(input)) {
  try { await mermaid.parse(src); out.push({ ok: true }); }
  catch (e) { out.push({ ok: false, error: String(e && e.message || e).slice(0, 300) }); }
}
console.log(JSON.stringify(out));
