// 执法队案件地图: the team's open cases on the township's map and in a list.

import { api } from "../api.js";
import { config } from "../shell-config.js";
import { createMap } from "../map.js";
import { showError, showLoading } from "../ui.js";

const list = document.getElementById("queue-list");

async function main() {
  showLoading(list);
  const map = await createMap("map");
  try {
    const queue = await api(`teams/${config().user.team_id}/queue`);
    list.textContent = `${queue.features.length}`;
  } catch (error) {
    showError(list, error);
  }
  return map;
}

main();
