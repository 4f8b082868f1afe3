// Accessibility check of rendered reports with axe-core in headless chromium.
//
//   node check.mjs rapport.html [more.html ...]
//
// Every file is checked at phone and desktop width against WCAG 2.0/2.1 A and AA and axe's best
// practices, plus two checks of our own: the page makes no request but for the file itself
// (self-contained) and it reflows without sideways scrolling of the page (WCAG 1.4.10; wide
// tables scroll inside their own focusable region). Prints one JSON document and exits 0 when
// nothing was found, 1 when something was, 2 when the check could not run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { launch, openReport, VIEWPORTS } from "./browser.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node check.mjs rapport.html [more.html ...]");
    return 2;
  }
  const browser = await launch();
  const results = [];
  try {
    for (const file of files.map((f) => resolve(f))) {
      for (const [name, viewport] of Object.entries(VIEWPORTS)) {
        const { page, external } = await openReport(browser, file, viewport);
        await page.addScriptTag({ content: axeSource });
        const axe = await page.evaluate(async (tags) => {
          const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
          return {
            version: r.testEngine.version,
            passes: r.passes.length,
            incomplete: r.incomplete.map((v) => ({ id: v.id, nodes: v.nodes.length })),
            violations: r.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
              nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            })),
          };
        }, TAGS);
        const overflow = await page.evaluate(() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          const wide = [...document.body.querySelectorAll("*")]
            .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest(".scroll"))
            .map((e) => e.tagName.toLowerCase() + (typeof e.className === "string" && e.className
              ? "." + e.className.trim().split(/\s+/).join(".") : ""));
          return [...new Set(wide)].slice(0, 10);
        });
        if (overflow.length) {
          axe.violations.push({ id: "reflow", impact: "serious",
            help: "The page must not scroll sideways (WCAG 1.4.10)",
            nodes: overflow.map((t) => ({ target: [t] })) });
        }
        results.push({ file, viewport: name, external_requests: external, ...axe });
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
  const violations = results.reduce((n, r) => n + r.violations.length + r.external_requests.length, 0);
  console.log(JSON.stringify({ tags: TAGS, violations, results }, null, 2));
  return violations === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { console.error(`a11y check failed to run: ${error.stack || error}`); process.exit(2); },
);
