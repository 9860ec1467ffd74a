// Polling a background job's Location (an upload being validated, a publish job) until it ends.

import { api } from "../api.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET `location` every `interval` ms until `finished(body)`; `onStep(body)` sees each answer.
 * Gives up after `timeout` ms with a Chinese error (the job goes on; the page can be reloaded).
 */
export async function pollUntil(location, finished, { onStep = () => {}, interval = 1000, timeout = 600000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const body = await api(location);
    onStep(body);
    if (finished(body)) return body;
    if (Date.now() > deadline) throw new Error("处理时间过长，请稍后刷新页面查看结果");
    await sleep(interval);
  }
}
