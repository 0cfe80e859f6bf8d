"""The load generator: locust, in a process of its own (``python -m bench.load PLAN OUT``).

It logs in through the real login form (CSRF included), then for each scenario of the plan runs
``clients`` locust users that request one page as fast as the server answers, for a warm-up
and then the measured window. Every response is checked (status 200 and the page's markers);
one that fails counts as a failure, never as a fast answer. The conversion scenario has 32 users
POST to the convert URL of leads drawn from a pool, so no two users ever share a lead. Each size
logs in twice ``clients`` times: one set of sessions for the pages, one for the deep page (whose
``owner=all`` the session remembers), and the conversion users share them all.

Response times come from locust's request events, unrounded, so the medians of fast pages
are not lost to locust's bucketed statistics.
"""

from __future__ import annotations

import json
import re
import sys
import time
from urllib.parse import urlencode

import gevent
from gevent.pool import Pool
from locust import FastHttpUser, constant, task
from locust import __version__ as locust_version
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment
from locust.exception import StopUser

from bench.stats import summarize

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OPPORTUNITY_URL = re.compile(r"/leads/opportunities/(\d+)/$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_FAILURE_EXAMPLES = 5


class Recorder:
    """Collects the measured window's response times and failures of one scenario."""

    def __init__(self) -> None:
        self.recording = False
        self.times: list[float] = []
        self.failures = 0
        self.examples: list[str] = []
        self.seconds = 0.0  # measured so far (a scenario may run more than once)

    def on_request(self, response_time, exception=None, name="", **kwargs) -> None:
        if not self.recording:
            return
        if exception is None:
            self.times.append(response_time)
        else:
            self.failures += 1
            if len(self.examples) < MAX_FAILURE_EXAMPLES:
                self.examples.append(f"{name}: {exception}")


def summary(recorder: Recorder) -> dict:
    figures = summarize(recorder.times, failures=recorder.failures, seconds=recorder.seconds)
    return {**figures, "failure_examples": recorder.examples}


# --- logging in ----------------------------------------------------------------------------------


def login(environment: Environment, host: str, username: str, password: str) -> list:
    """Log in through the form like a browser; the session's cookies."""
    session = FastHttpSession(host, request_event=environment.events.request, user=None)
    page = session.get("/accounts/login/", name="login form")
    token = CSRF_FIELD.search(page.text or "")
    if page.status_code != 200 or token is None:
        raise SystemExit(f"The login page answered {page.status_code} without a CSRF field.")
    data = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token[1]})
    answer = session.post(
        "/accounts/login/", name="login", data=data, headers=FORM, allow_redirects=False
    )
    names = {cookie.name for cookie in session.cookiejar}
    if answer.status_code != 302 or "sessionid" not in names:
        raise SystemExit(f"Logging in as {username} failed (HTTP {answer.status_code}).")
    return list(session.cookiejar)


def login_many(environment, host: str, username: str, password: str, count: int) -> list[list]:
    pool = Pool(4)
    return pool.map(lambda _index: login(environment, host, username, password), range(count))


# --- the users -----------------------------------------------------------------------------------


def page_user(path: str, markers: list[str], sessions: list[list], name: str) -> type:
    """A locust user class that requests ``path`` over and over with one of ``sessions``."""
    counter = iter(range(1_000_000))

    class PageUser(FastHttpUser):
        wait_time = constant(0)

        def on_start(self) -> None:
            for cookie in sessions[next(counter) % len(sessions)]:
                self.client.cookiejar.set_cookie(cookie)

        @task
        def fetch(self) -> None:
            with self.client.get(
                path, name=name, catch_response=True, allow_redirects=False
            ) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
                    return
                body = response.text or ""
                missing = [marker for marker in markers if marker not in body]
                if missing:
                    response.failure(f"missing {missing!r}")
                else:
                    response.success()

    return PageUser


def convert_user(pool: list[int], sessions: list[list], outcome: dict, name: str) -> type:
    """A locust user that converts the next lead of the shared pool, one POST at a time."""
    counter = iter(range(1_000_000))

    class ConvertUser(FastHttpUser):
        wait_time = constant(0)

        def on_start(self) -> None:
            cookies = sessions[next(counter) % len(sessions)]
            for cookie in cookies:
                self.client.cookiejar.set_cookie(cookie)
            self.csrf = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")

        @task
        def convert(self) -> None:
            if not pool:
                outcome["pool_exhausted"] = True
                raise StopUser()
            lead_id = pool.pop()  # greenlets switch only on I/O: no two users get one lead
            outcome["attempted"].append(lead_id)
            data = urlencode({"csrfmiddlewaretoken": self.csrf})
            with self.client.post(
                f"/leads/{lead_id}/convert/",
                name=name,
                data=data,
                headers=FORM,
                catch_response=True,
                allow_redirects=False,
            ) as response:
                location = (
                    response.headers.get("Location") or response.headers.get("location") or ""
                )
                if response.status_code == 302 and OPPORTUNITY_URL.search(location):
                    outcome["converted"].append(lead_id)
                    response.success()
                else:
                    outcome["failed"].append(lead_id)
                    response.failure(f"HTTP {response.status_code} -> {location or 'no redirect'}")
            # Flash messages ride in a cookie that only a page view would consume.
            for cookie in [c for c in self.client.cookiejar if c.name == "messages"]:
                self.client.cookiejar.clear(cookie.domain, cookie.path, cookie.name)

    return ConvertUser


def run(
    user_class: type, recorder: Recorder, *, host: str, users: int, warmup: float, duration: float
) -> dict:
    """Start ``users`` users at once, let them warm up, measure ``duration`` seconds; the figures
    of every window ``recorder`` measured so far."""
    environment = Environment(user_classes=[user_class], host=host)
    environment.events.request.add_listener(recorder.on_request)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=100)  # all of them within the warm-up
    gevent.sleep(warmup)
    recorder.recording = True
    started = time.perf_counter()
    gevent.sleep(duration)
    recorder.recording = False
    recorder.seconds += time.perf_counter() - started
    runner.quit()
    return summary(recorder)


# --- the plan ------------------------------------------------------------------------------------


def main(plan_path: str, out_path: str) -> None:
    with open(plan_path) as handle:
        plan = json.load(handle)
    host = plan["host"]
    login_env = Environment(host=host)
    sessions = {}
    for company in plan["companies"]:
        started = time.perf_counter()
        cookies = login_many(
            login_env, host, company["username"], plan["password"], company["logins"]
        )
        # The conversion clients take turns over all of them (a salesperson's browser tabs).
        sessions[company["label"]] = {
            "main": cookies[: plan["clients"]],
            "deep": cookies[plan["clients"] : 2 * plan["clients"]],
            "all": cookies,
        }
        print(
            f"   logged in {len(cookies)} times as {company['username']}"
            f" ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )

    results: dict = {"locust_version": locust_version, "scenarios": {}, "conversion": {}}
    recorders: dict[str, Recorder] = {}
    for scenario in plan["scenarios"]:
        user_class = page_user(
            scenario["path"],
            scenario["markers"],
            sessions[scenario["company"]][scenario["sessions"]],
            scenario["id"],
        )
        recorder = recorders.setdefault(scenario["id"], Recorder())
        figures = run(
            user_class,
            recorder,
            host=host,
            users=plan["clients"],
            warmup=plan["warmup"],
            duration=plan["duration"],
        )
        results["scenarios"][scenario["id"]] = figures
        print(
            f"   {scenario['id']:<34} median {figures['median_ms'] or 0:8.1f} ms"
            f"  p95 {figures['p95_ms'] or 0:8.1f} ms  {figures['rps']:7.1f} req/s"
            f"  failures {figures['failures']}",
            flush=True,
        )

    conversion = plan.get("conversion")
    for company in plan["companies"] if conversion else []:
        label = company["label"]
        outcome = {"attempted": [], "converted": [], "failed": [], "pool_exhausted": False}
        pool = list(reversed(conversion["pools"][label]))  # pop() takes the oldest first
        user_class = convert_user(pool, sessions[label]["all"], outcome, f"{label}:conversion")
        figures = run(
            user_class,
            Recorder(),
            host=host,
            users=conversion["clients"],
            warmup=conversion["warmup"],
            duration=conversion["duration"],
        )
        results["conversion"][label] = {**figures, **outcome, "clients": conversion["clients"]}
        print(
            f"   {label + ':conversion':<34} median {figures['median_ms'] or 0:8.1f} ms"
            f"  p95 {figures['p95_ms'] or 0:8.1f} ms  {figures['rps']:7.1f} conv/s"
            f"  errors {figures['failures']}",
            flush=True,
        )

    with open(out_path, "w") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m bench.load PLAN.json OUT.json")
    main(sys.argv[1], sys.argv[2])
