// Wiring every page shares: the log-out button. (Loaded by base.html on every page.)

import { api, ApiError } from "./api.js";
import { config } from "./shell-config.js";
import { toastError } from "./ui.js";

const logout = document.getElementById("logout");
if (logout) {
  logout.addEventListener("click", async () => {
    try {
      await api("auth/session", { method: "DELETE", noRefresh: true });
    } catch (error) {
      // An already ended session is what we wanted; anything else, say so but leave anyway.
      if (!(error instanceof ApiError) || error.status !== 401) toastError(error);
    }
    location.assign(`${config().console}login`);
  });
}
