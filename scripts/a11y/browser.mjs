// Debian's chromium driven by puppeteer-core: no browser is downloaded, ever.
import { existsSync } from "node:fs";
import puppeteer from "puppeteer-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export const VIEWPORTS = {
  phone: { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { width: 1280, height: 900, deviceScaleFactor: 1 },
};

export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`);
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--font-render-hinting=none"],
  });
}

// Opens a local file and records every request that is not for that file: a self-contained
// report makes none.
export async function openReport(browser, file, viewport) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const url = new URL(`file://${file}`).href;
  const external = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    if (request.url() === url || request.url().startsWith("data:")) {
      request.continue();
    } else {
      external.push(request.url());
      request.abort();
    }
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, external };
}
