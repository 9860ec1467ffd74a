// Times as people in the county read them: Beijing time (Asia/Shanghai), whatever the
// computer's own zone, and countdowns to deadlines.

const ZONE = "Asia/Shanghai";
const DATE_TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const DATE = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

function parts(formatter, value) {
  const out = {};
  for (const { type, value: text } of formatter.formatToParts(new Date(value))) out[type] = text;
  return out;
}

/** "2026-12-03 09:05" in Beijing time; "" for nothing. */
export function formatDateTime(value) {
  if (!value) return "";
  const p = parts(DATE_TIME, value);
  return `${p.year}-${p.month}-${p.day} ${p.hour === "24" ? "00" : p.hour}:${p.minute}`;
}

/** "2026-12-03" in Beijing time. */
export function formatDate(value) {
  if (!value) return "";
  const p = parts(DATE, value);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A duration in Chinese: "2天3小时", "3小时5分", "12分". */
export function formatDuration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days}天${hours}小时`;
  if (hours) return `${hours}小时${mins}分`;
  return `${mins}分`;
}

/** {text, overdue}: "剩余 3小时5分" before the deadline, "已超时 1天2小时" after. */
export function countdown(due, now = Date.now()) {
  const left = new Date(due).getTime() - now;
  return left >= 0
    ? { text: `剩余 ${formatDuration(left)}`, overdue: false }
    : { text: `已超时 ${formatDuration(-left)}`, overdue: true };
}

/** Keep every element with data-due="<RFC 3339>" under `root` counting down (each 30 s). */
export function startCountdowns(root = document) {
  const tick = () => {
    for (const el of root.querySelectorAll("[data-due]")) {
      const { text, overdue } = countdown(el.dataset.due);
      el.textContent = text;
      el.classList.toggle("overdue", overdue);
    }
  };
  tick();
  return setInterval(tick, 30000);
}
