"""In a real browser: logging in and out, and a worker refused the pages it may not use."""

from __future__ import annotations

from playwright.sync_api import expect

from gridsvc.console import PAGES


def test_a_worker_is_refused_the_console_pages(console):
    page = console.login("worker_yuhulu")
    # /console/ has no page for a grid worker: the Chinese refusal, not a shell.
    assert "无权访问" in page.inner_text("#message")
    assert "手机应用" in page.inner_text("#message")
    console.screenshot(page, "worker-refused")
    for entry in PAGES:
        answer = page.goto(f"/console/{entry.path}")
        assert answer.status == 403, entry.path
        assert entry.title in page.inner_text("#message")
        assert page.locator("#map").count() == 0


def test_a_wrong_password_is_shown_in_chinese_and_logout_ends_the_session(console):
    page = console.new_page()
    page.goto("/console/login")
    page.fill("#username", "lead_yuhulu")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    page.fill("#password", "gridsvc-demo")
    page.click("#login-submit")
    page.wait_for_url("**/console/queue")
    page.click("#logout")
    page.wait_for_url("**/console/login")
    assert page.goto("/console/queue").url.endswith("/console/login?next=/console/queue")


def test_the_policy_refuses_an_injected_inline_script_and_style(console):
    page = console.login("lead_yuhulu")
    page.wait_for_url("**/console/queue")
    # What an injection would add: an inline script and a <style> element, after the page loaded.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const box = document.createElement("div");
            box.id = "injected-box";
            document.body.append(box);
            const style = document.createElement("style");
            style.textContent = "#injected-box { position: absolute; width: 321px }";
            document.head.append(style);
        }"""
    )
    assert page.evaluate("() => window.injected === undefined")
    assert page.evaluate("() => document.getElementById('injected-box').offsetWidth") != 321
    refused = [error for error in console.errors if "Content Security Policy" in error]
    assert refused, "the browser reported no refusal"
    # These refusals were the point of the test; anything else still fails it.
    console.errors[:] = [error for error in console.errors if error not in refused]
