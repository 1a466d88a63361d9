"""Log-ins cannot starve webhooks: a failed log-in flood against new calls.

24 clients send failed log-ins for 6 s, each from its own trusted X-Forwarded-For address
(so throttling does not stop them before the password check: every one pays for argon2),
while a new signed call is posted every 100 ms to the phone group and, in the same run,
to a bare Flask endpoint. Verdict: every new call answered within 1 s.

Run twice in one go: the Procfile's layout (phone group + office group, 2 workers each) and,
for comparison, one group serving both (what main did).

Usage: bench/login_flood [--seconds 6] [--clients 24]
"""

from __future__ import annotations

import argparse
import re
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import requests
from twilio.request_validator import RequestValidator

from bench.harness import embedded_backend, free_port, gunicorn, voice_form

TOKEN = "bench-login-flood-token-0123456789abcdef"
SECRETS = {
    "TWILIO_AUTH_TOKEN": TOKEN,
    "SECRET_KEY": "bench-login-flood-secret-key-0123456789",
    "AUDIT_HASH_KEY": "bench-login-flood-audit-key-0123456789",
    # Distinct trusted X-Forwarded-For addresses each reach the password check: the worst case, not one the
    # per-address throttle stops early (docs/decisions/honest-benchmarks.md).
    "TRUST_PROXY_HEADERS": "true",
    "LOG_LEVEL": "WARNING",
}
EMAIL = "flood-target@voice.bench"
LIMIT_SECONDS = 1.0


def add_operator(database_url: str) -> None:
    """The account the flood guesses at (a real argon2 hash to check against)."""
    from models import Operator
    from models.base import Database

    database = Database(database_url)
    with database.session() as session:
        operator = Operator(email=EMAIL, name="Flood Target", role="operator")
        operator.set_password("a long and private pass phrase")
        session.add(operator)
    database.dispose()


def flood(office_url: str, clients: int, seconds: float, tally: dict[str, int]) -> list[threading.Thread]:
    """Start ``clients`` threads posting wrong passwords until ``seconds`` have passed."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def client(number: int) -> None:
        http = requests.Session()
        page = http.get(f"{office_url}/ops/login", timeout=30).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
        sent = 0
        while time.monotonic() < stop_at:
            sent += 1
            address = f"10.{number}.{sent // 250 % 250}.{sent % 250 + 1}"
            response = http.post(
                f"{office_url}/ops/login",
                data={"email": EMAIL, "password": f"wrong guess {sent}", "csrf_token": csrf},
                headers={"X-Forwarded-For": address},
                timeout=60,
                allow_redirects=False,
            )
            with lock:
                tally[str(response.status_code)] = tally.get(str(response.status_code), 0) + 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def new_call(base_url: str, public_base: str) -> float:
    """Post one signed new call; returns seconds to the answer."""
    form = voice_form("+12025550143", status="ringing")
    signature = RequestValidator(TOKEN).compute_signature(public_base + "/voice/incoming", form)
    started = time.perf_counter()
    response = requests.post(
        base_url + "/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}, timeout=20
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"new call answered {response.status_code}")
    return elapsed


@contextmanager
def hotline(env: dict[str, str], separate: bool) -> Iterator[tuple[str, str]]:
    """(phone URL, office URL): two groups like the Procfile, or one group for both."""
    phone_port = free_port()
    phone_env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{phone_port}"}
    if separate:
        phone_env["PROCESS_GROUP"] = "phone"
    with gunicorn("app:create_app()", phone_env, port=phone_port) as phone_url:
        office = (
            gunicorn("app:create_app()", {**phone_env, "PROCESS_GROUP": "office"})
            if separate
            else nullcontext(phone_url)
        )
        with office as office_url:
            yield phone_url, office_url


def measure(env: dict[str, str], separate: bool, bare_url: str, clients: int, seconds: float) -> bool:
    """One flood; prints the new-call latencies next to bare Flask's; True when every call took < 1 s."""
    with hotline(env, separate) as (phone_url, office_url):
        for _ in range(5):  # warm both
            new_call(phone_url, phone_url)
            new_call(bare_url, bare_url)
        tally: dict[str, int] = {}
        threads = flood(office_url, clients, seconds, tally)
        time.sleep(0.5)  # let the flood build
        calls, bares = [], []
        deadline = time.monotonic() + seconds - 0.5
        while time.monotonic() < deadline:
            calls.append(new_call(phone_url, phone_url))
            bares.append(new_call(bare_url, bare_url))
            time.sleep(0.1)
        for thread in threads:
            thread.join()
    layout = "phone + office groups (Procfile)" if separate else "one group for both (before)"
    attempts = sum(tally.values())
    print(f"{layout}: {attempts} failed log-ins in {seconds:.0f} s ({attempts / seconds:.1f}/s) answered {tally}")
    for name, values in (("hotline new call", calls), ("bare Flask", bares)):
        values = sorted(values)
        print(
            f"  {name:<17} n={len(values):3d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
            f"p99 {values[int(len(values) * 0.99) - 1] * 1000:7.1f} ms  max {values[-1] * 1000:7.1f} ms"
        )
    within = max(calls) < LIMIT_SECONDS
    print(f"  verdict: every new call answered within 1 s: {'YES' if within else 'NO'}")
    return within


def main() -> int:
    """Run the flood against both layouts; exit 0 when the Procfile's layout keeps every call under 1 s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--skip-before", action="store_true", help="Only the Procfile's layout.")
    args = parser.parse_args()
    print(f"{args.clients} clients sending failed log-ins for {args.seconds:.0f} s; gunicorn 2 sync workers per group")
    with embedded_backend() as env, gunicorn("bench.bare:app") as bare_url:
        env.update(SECRETS)
        add_operator(env["DATABASE_URL"])
        ok = measure(env, True, bare_url, args.clients, args.seconds)
        if not args.skip_before:
            measure(env, False, bare_url, args.clients, args.seconds)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
