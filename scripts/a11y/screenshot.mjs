// Full-page screenshots of a report at phone and desktop width, for a person to look at.
//
//   node screenshot.mjs rapport.html OUTDIR [prefix]
//
// Writes OUTDIR/<prefix>-phone.png and OUTDIR/<prefix>-desktop.png.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { launch, openReport, VIEWPORTS } from "./browser.mjs";

async function main([file, outdir, prefix = "rapport"]) {
  if (!file || !outdir) {
    console.error("usage: node screenshot.mjs rapport.html OUTDIR [prefix]");
    return 2;
  }
  mkdirSync(outdir, { recursive: true });
  const browser = await launch();
  try {
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const { page } = await openReport(browser, resolve(file), viewport);
      const path = join(outdir, `${prefix}-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(path);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { console.error(`screenshots failed: ${error.stack || error}`); process.exit(2); },
);
