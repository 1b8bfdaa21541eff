"""Duplicate detection and the cleanup dry run at scale: 100k accounts, 5 % of them planted duplicates.

    .venv/bin/python bench/cleanup_bench.py [--accounts 100000] [--duplicates 0.05] [--sample 2000]
                                            [--seed 7] [--skip-store]

Generates seeded synthetic CRM accounts (invented company names: syllable brands, compounds and
family names, so namesakes in other cities occur as in real CRMs, 60 places in 13
countries, domains for most, commercial register numbers and VAT ids for some, messy spellings of
countries and industries), then plants duplicates of 5 % of them: the same company entered again
with capitals, another legal-form spelling, a typo, umlauts written out, the English city name, no
website, or no city. Each phase runs in a fresh process, so its peak RSS is its own:

1. *blocking*: ``find_duplicates`` over all accounts — time, peak RSS, candidate pairs compared
   against all n(n-1)/2 pairs, blocks, and precision/recall against the planted pairs;
2. *side by side*: on a sample of accounts, every pair scored (all-pairs) against the blocked pairs —
   time ratio, and how many true pairs blocking misses that all-pairs scoring would find;
3. *store*: the accounts written to a SQLite file (one process), then ``leadscore cleanup`` as a dry
   run in another (every step, the store read in batches, score preview included) — time, peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine_info import machine, peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PREFIXES = """Nord Süd West Ost Alpen Rhein Elbe Donau Isar Main Blue Red Green Silver Golden North South
Harbor River Summit Cedar Oak Pine Stone Bright Clear Swift Prime Nova Astra Terra Helio Aqua Vita Lumen Orbis
Vertex Quantum Atlas Falken Adler Kranich Wolf Bären Löwen Eichen Linden Tannen Berg Tal""".split()  # noqa: SIM905
CORES = ["tech", "soft", "data", "werk", "bau", "log", "med", "fin", "net", "sys", "tronic", "plan", "form",
         "line", "point", "gate", "bridge", "field", "wave", "light", "stream", "works", "labs", "logic",
         "metall", "chem", "druck", "haus", "markt", "handel"]  # fmt: skip
SYLLABLES = """ta ve lo mi ra no si ke da zu ben tor vil mar sen lin dor kal pre ost quin rav sol tek val
wen xan yor zen bri cor fal gan hel iva jor kor lum mer nex orb pal""".split()  # noqa: SIM905
SURNAMES = """Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein
Wolf Schröder Neumann Braun Zimmermann Krüger Hartmann Lange Werner Krause Lehmann Köhler Maier Huber
Kaiser Fuchs
Peters Smith Jones Taylor Brown Wilson Evans Thomas Roberts Walker Wright Murphy Kelly Dubois Martin Bernard
Jansen Visser Andersson Nilsson Rossi Ferrari García López""".split()  # noqa: SIM905
TRADES = ["Software", "Logistik", "Consulting", "Maschinenbau", "Systems", "Solutions", "Analytics",
          "Medizintechnik", "Elektro", "Immobilien", "Engineering", "Services", "Partners", "Digital",
          "Automation", "Energie", "Textil", "Foods", "Capital", "Media"]  # fmt: skip
FORMS = {"DE": ["GmbH", "AG", "GmbH & Co. KG", "KG", "SE"], "AT": ["GmbH", "AG"], "CH": ["AG", "GmbH"],
         "GB": ["Ltd", "plc", "LLP"], "IE": ["Ltd", "Limited"], "US": ["Inc.", "LLC", "Corp."],
         "CA": ["Inc.", "Ltd."], "FR": ["SAS", "SARL", "S.A."], "NL": ["B.V.", "N.V."], "SE": ["AB"],
         "DK": ["A/S", "ApS"], "ES": ["S.L.", "S.A."], "IT": ["S.p.A.", "S.r.l."]}  # fmt: skip
FORM_SPELLINGS = {"GmbH": "G.m.b.H.", "Inc.": "Incorporated", "Ltd": "Limited", "AG": "Aktiengesellschaft",
                  "Corp.": "Corporation", "LLC": "L.L.C.", "B.V.": "BV", "S.A.": "SA"}  # fmt: skip
PLACES = [
    ("DE", "München", "Munich"), ("DE", "Berlin", "Berlin"), ("DE", "Hamburg", "Hamburg"),
    ("DE", "Köln", "Cologne"), ("DE", "Frankfurt am Main", "Frankfurt"), ("DE", "Stuttgart", "Stuttgart"),
    ("DE", "Düsseldorf", "Dusseldorf"), ("DE", "Leipzig", "Leipzig"), ("DE", "Nürnberg", "Nuremberg"),
    ("DE", "Hannover", "Hanover"), ("DE", "Bremen", "Bremen"), ("DE", "Dresden", "Dresden"),
    ("DE", "Karlsruhe", "Karlsruhe"), ("DE", "Münster", "Muenster"), ("DE", "Essen", "Essen"),
    ("AT", "Wien", "Vienna"), ("AT", "Graz", "Graz"), ("AT", "Linz", "Linz"), ("AT", "Salzburg", "Salzburg"),
    ("CH", "Zürich", "Zurich"), ("CH", "Basel", "Basel"), ("CH", "Bern", "Berne"), ("CH", "Genf", "Geneva"),
    ("GB", "London", "London"), ("GB", "Manchester", "Manchester"), ("GB", "Leeds", "Leeds"),
    ("GB", "Bristol", "Bristol"), ("GB", "Edinburgh", "Edinburgh"), ("GB", "Birmingham", "Birmingham"),
    ("IE", "Dublin", "Dublin"), ("IE", "Cork", "Cork"), ("US", "New York", "New York"),
    ("US", "San Francisco", "San Francisco"), ("US", "Austin", "Austin"), ("US", "Boston", "Boston"),
    ("US", "Chicago", "Chicago"), ("US", "Seattle", "Seattle"), ("US", "Denver", "Denver"),
    ("US", "Atlanta", "Atlanta"), ("CA", "Toronto", "Toronto"), ("CA", "Montréal", "Montreal"),
    ("CA", "Vancouver", "Vancouver"), ("FR", "Paris", "Paris"), ("FR", "Lyon", "Lyons"),
    ("FR", "Toulouse", "Toulouse"), ("NL", "Amsterdam", "Amsterdam"), ("NL", "Rotterdam", "Rotterdam"),
    ("NL", "Utrecht", "Utrecht"), ("SE", "Stockholm", "Stockholm"), ("SE", "Göteborg", "Gothenburg"),
    ("DK", "København", "Copenhagen"), ("ES", "Madrid", "Madrid"), ("ES", "Barcelona", "Barcelona"),
    ("IT", "Milano", "Milan"), ("IT", "Roma", "Rome"), ("DE", "Bonn", "Bonn"), ("DE", "Kiel", "Kiel"),
    ("DE", "Augsburg", "Augsburg"), ("DE", "Regensburg", "Regensburg"), ("DE", "Ulm", "Ulm"),
]  # fmt: skip
COUNTRY_SPELLINGS = {"DE": ["Deutschland", "Germany", "DEU"], "AT": ["Österreich", "Austria"],
                     "CH": ["Schweiz", "Switzerland"], "GB": ["United Kingdom", "UK"], "US": ["USA"],
                     "NL": ["Netherlands"], "FR": ["France"]}  # fmt: skip
INDUSTRY_SPELLINGS = ["Software", "Computer Software", "Software Development", "IT Services",
                      "Information Technology and Services", "IT-Dienstleistungen", "Manufacturing",
                      "Maschinenbau", "Financial Services", "Finanzdienstleistungen", "Healthcare",
                      "Hospital & Health Care", "Retail", "Logistics", "Telecom",
                      "Widgets & Gadgets"]  # fmt: skip
NOW = datetime(2025, 6, 2, tzinfo=UTC)


@dataclass
class Row:
    id: int
    original: int  # the id of the company's first record (itself for originals)
    name: str
    domain: str | None
    city: str | None
    country: str
    register: str | None
    vat_id: str | None


def rss_mib() -> float:
    """Resident memory now (Linux /proc; the peak where that is missing)."""
    statm = Path("/proc/self/statm")
    if statm.is_file():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return peak_rss_mib()


def make_rows(count: int, share: float, seed: int) -> list[Row]:
    """``count`` records: originals plus ``share`` of them as planted duplicates of originals."""
    rng = random.Random(seed)
    planted = int(count * share)
    originals = count - planted
    from enrich.cleanup.names import name_key

    rows: list[Row] = []
    # as commercial registers demand (§ 30 HGB): one name per place, whatever the legal form
    seen: set[tuple[str, str]] = set()
    registers: set[str] = set()
    vat_ids: set[str] = set()
    while len(rows) < originals:
        country, city, _ = rng.choice(PLACES)
        style = rng.random()
        if style < 0.5:  # an invented brand: "Zenvora Logistik GmbH"
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).title()
        elif style < 0.8:  # a compound: "Elbetronic Systems AG"
            word = rng.choice(PREFIXES) + rng.choice(CORES)
        else:  # a family name: "Müller Logistik GmbH" exists in many cities, a realistic near miss
            word = rng.choice(SURNAMES)
        name = f"{word} {rng.choice(TRADES)} {rng.choice(FORMS[country])}"
        if (name_key(name).text, city) in seen:
            continue
        seen.add((name_key(name).text, city))
        number = len(rows) + 1
        tld = country.lower() if country not in ("US", "GB") else "com"
        domain = f"{word.lower()}-{number}.{tld}".translate(
            str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss"})
        )
        register = None
        if country == "DE" and rng.random() < 0.3:
            register = f"HRB {rng.randint(1000, 250000)}, Amtsgericht {city}"
            register = None if register in registers else register
            registers.add(register or "")
        vat = f"{country}{rng.randint(10**8, 10**9 - 1)}" if rng.random() < 0.15 else None
        vat = None if vat in vat_ids else vat
        vat_ids.add(vat or "")
        rows.append(
            Row(number, number, name, domain if rng.random() < 0.75 else None, city, country, register, vat)
        )
    for index in range(planted):
        source = rows[rng.randrange(originals)]
        rows.append(_perturbed(source, originals + index + 1, rng))
    return rows


def _perturbed(source: Row, new_id: int, rng: random.Random) -> Row:
    name, domain, city = source.name, source.domain, source.city
    english = {local: english for _, local, english in PLACES}
    for change in rng.sample(["case", "form", "typo", "umlaut", "city", "no_domain", "www", "no_city"], 2):
        if change == "case":
            name = name.upper()
        elif change == "form":
            for form, spelling in FORM_SPELLINGS.items():
                if name.endswith(" " + form):
                    name = name[: -len(form)] + spelling
                    break
        elif change == "typo":
            words = name.split()
            position = rng.randrange(len(words[0]) - 1) + 1
            words[0] = words[0][:position] + words[0][position + 1 :]
            name = " ".join(words)
        elif change == "umlaut":
            name = name.translate(str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss"}))
        elif change == "city" and city is not None:
            city = english.get(city, city)
        elif change == "no_domain":
            domain = None
        elif change == "www" and domain is not None:
            domain = "www." + domain
        elif change == "no_city":
            city = None
    return Row(new_id, source.original, name, domain, city, source.country, source.register, source.vat_id)


def keys_of(rows: list[Row]) -> list[Any]:
    from enrich.cleanup.duplicates import account_key
    from enrich.cleanup.model import AccountSnapshot

    return [
        account_key(AccountSnapshot(row.id, None, row.name, row.domain, None, row.country, row.city, {}, {},
                                    register=row.register, vat_id=row.vat_id))
        for row in rows
    ]  # fmt: skip


def truth_of(rows: list[Row]) -> set[frozenset[int]]:
    by_company: dict[int, list[int]] = {}
    for row in rows:
        by_company.setdefault(row.original, []).append(row.id)
    return {frozenset(pair) for ids in by_company.values() for pair in itertools.combinations(ids, 2)}


def phase_blocking(count: int, share: float, seed: int) -> dict[str, Any]:
    from enrich.cleanup.duplicates import find_duplicates

    rows = make_rows(count, share, seed)
    started = time.perf_counter()
    keys = keys_of(rows)
    keyed = time.perf_counter()
    rss_before = rss_mib()
    found = find_duplicates(keys)
    done = time.perf_counter()
    truth = truth_of(rows)
    proposed = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans}
    automatic = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans if plan.automatic}
    return {
        "accounts": len(rows), "true_pairs": len(truth), "keys_s": keyed - started, "detect_s": done - keyed,
        "pairs_compared": found.pairs_compared, "all_pairs": found.all_pairs, "blocks": found.blocks,
        "largest_block": found.largest_block, "proposed": len(proposed), "automatic": len(automatic),
        "precision": len(proposed & truth) / max(1, len(proposed)),
        "recall": len(proposed & truth) / len(truth),
        "auto_precision": len(automatic & truth) / max(1, len(automatic)),
        "auto_recall": len(automatic & truth) / len(truth), "peak_rss_mib": peak_rss_mib(),
        "rss_before_mib": rss_before,
    }  # fmt: skip


def phase_side_by_side(count: int, share: float, seed: int, sample: int) -> dict[str, Any]:
    from enrich.cleanup.duplicates import PROPOSE_AT, find_duplicates, score_pair

    rows = make_rows(count, share, seed)
    # whole companies: a sampled company brings its planted duplicates along
    chosen = {row.original for row in random.Random(seed + 1).sample(rows, sample)}
    subset = [row for row in rows if row.original in chosen]
    keys = keys_of(subset)
    started = time.perf_counter()
    everything = set()
    for first, second in itertools.combinations(keys, 2):
        scored = score_pair(first, second)
        if scored is not None and scored[0] >= PROPOSE_AT:
            everything.add(frozenset((first.account_id, second.account_id)))
    all_pairs_s = time.perf_counter() - started
    started = time.perf_counter()
    found = find_duplicates(keys)
    blocked_s = time.perf_counter() - started
    blocked = {frozenset((plan.keep_id, plan.merge_id)) for plan in found.plans}
    truth = truth_of(subset)
    return {
        "accounts": len(subset), "all_pairs": len(keys) * (len(keys) - 1) // 2, "all_pairs_s": all_pairs_s,
        "blocked_pairs": found.pairs_compared, "blocked_s": blocked_s,
        "true_found_all_pairs": len(everything & truth), "true_found_blocked": len(blocked & truth),
        "true_pairs": len(truth), "missed_by_blocking": len((everything & truth) - blocked),
    }  # fmt: skip


def phase_seed(count: int, share: float, seed: int, directory: str) -> dict[str, Any]:
    """Write the accounts to a SQLite file as an import would (account rows + CRM value rows)."""
    from sqlalchemy import insert

    from enrich.store.db import check_schema, create_store_engine
    from enrich.store.schema import account
    from enrich.store.values import Candidate, account_columns, record_new_entity_values

    rng = random.Random(seed + 2)
    rows = make_rows(count, share, seed)
    engine = create_store_engine(f"sqlite:///{directory}/bench.db")
    check_schema(engine)
    started = time.perf_counter()
    for start in range(0, len(rows), 5000):
        accounts, values = [], []
        for row in rows[start : start + 5000]:
            fields: dict[str, Any] = {"name": row.name, "country": row.country}
            if rng.random() < 0.1:
                fields["country"] = rng.choice(COUNTRY_SPELLINGS.get(row.country, [row.country]))
            for name, value in (("domain", row.domain), ("city", row.city)):
                if value is not None:
                    fields[name] = value
            fields["industry"] = rng.choice(INDUSTRY_SPELLINGS)
            fields["employee_count"] = rng.choice([0, 12, 45, 120, 800, 2500, "1.200", "50-200"])
            columns: dict[str, Any] = {}
            for name, value in fields.items():
                columns |= account_columns(name, value)
            blank = dict.fromkeys(("domain", "city", "employee_count", "employee_count_range"))
            accounts.append({"id": row.id, "crm_id": f"C{row.id}", "source": "bench", "custom": {},
                             "created_at": NOW, "updated_at": NOW} | blank | columns)  # fmt: skip
            values += [
                (row.id, Candidate(name, value, str(value), 1.0, "crm")) for name, value in fields.items()
            ]
            if row.register:
                values.append(
                    (row.id, Candidate("commercial_register", row.register, row.register, 0.95, "imprint"))
                )
        # most values were checked recently; one chunk in seven is older than every field's expiry
        observed = datetime.now(UTC) - timedelta(days=800 if (start // 5000) % 7 == 3 else 30)
        with engine.begin() as conn:
            conn.execute(insert(account), accounts)
            record_new_entity_values(conn, "account", values, now=observed)
    return {"accounts": len(rows), "seed_s": time.perf_counter() - started}


def phase_dry_run(directory: str) -> dict[str, Any]:
    """``leadscore cleanup`` without --apply, every step, in a process that did nothing else."""
    from enrich.cleanup.industries import IndustryVocabulary, ruleset_industries
    from enrich.cleanup.plan import CleanupOptions
    from enrich.cleanup.runner import Cleanup
    from enrich.store.db import create_store_engine
    from scoring.ruleset import load_ruleset

    engine = create_store_engine(f"sqlite:///{directory}/bench.db")
    ruleset_file = Path(__file__).resolve().parent.parent / "examples" / "rulesets" / "saas-icp.toml"
    ruleset = load_ruleset(ruleset_file.read_bytes(), str(ruleset_file))
    job = Cleanup(engine, CleanupOptions(), IndustryVocabulary(ruleset_industries(ruleset)), ruleset=ruleset)
    rss_before = rss_mib()
    started = time.perf_counter()
    summary = job.dry_run()
    dry_run_s = time.perf_counter() - started
    move = summary.plan.score_move
    return {
        "dry_run_s": dry_run_s, "peak_rss_mib": peak_rss_mib(), "rss_before_mib": rss_before,
        **summary.plan.counts(), "band_changed": move.band_changed if move else 0,
        "tier_changed": move.tier_changed if move else 0,
        "handoff_changed": move.handoff_changed if move else 0,
        "rescored": move.accounts if move else 0,
    }  # fmt: skip


def _child(target: Any, args: tuple[Any, ...], queue: Any) -> None:
    try:
        queue.put(target(*args))
    except BaseException as error:  # the parent must hear about it, not wait forever
        queue.put({"error": f"{type(error).__name__}: {error}"[:2000]})
        raise


def in_fresh_process(target: Any, *args: Any) -> dict[str, Any]:
    """Run one phase in a new interpreter, so the peak RSS it reports is its own."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    if "error" in result:
        raise SystemExit(f"{target.__name__} failed: {result['error']}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-store", action="store_true", help="only the in-memory phases")
    options = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"{options.accounts:,} accounts, {options.duplicates:.0%} planted duplicates, seed {options.seed}\n"
    )

    blocking = in_fresh_process(phase_blocking, options.accounts, options.duplicates, options.seed)
    b = blocking
    print("1. blocking + scoring (find_duplicates, in memory)")
    print(f"   keys built in {b['keys_s']:.2f} s, duplicates found in {b['detect_s']:.2f} s")
    share = b["pairs_compared"] / b["all_pairs"]
    per_account = b["pairs_compared"] / b["accounts"]
    print(f"   candidate pairs compared: {b['pairs_compared']:,} of {b['all_pairs']:,} possible")
    print(f"   ({share:.2e} of all pairs, {per_account:.1f} per account)")
    print(f"   blocks: {b['blocks']:,}, largest {b['largest_block']:,} (sorted neighbourhood above 60)")
    print(f"   planted pairs {b['true_pairs']:,}: proposed {b['proposed']:,}, "
          f"precision {b['precision']:.3f}, recall {b['recall']:.3f}")  # fmt: skip
    print(f"   automatic merges {b['automatic']:,}: precision {b['auto_precision']:.4f}, "
          f"recall {b['auto_recall']:.3f}")  # fmt: skip
    print(f"   peak RSS {b['peak_rss_mib']:.0f} MiB; before detection {b['rss_before_mib']:.0f} MiB "
          "(interpreter, generated rows, keys)\n")  # fmt: skip

    side = in_fresh_process(
        phase_side_by_side, options.accounts, options.duplicates, options.seed, options.sample
    )
    faster = side["all_pairs_s"] / side["blocked_s"]
    fewer = side["all_pairs"] / max(1, side["blocked_pairs"])
    print(f"2. side by side on {side['accounts']:,} accounts: every pair scored vs blocking")
    print(f"   all pairs: {side['all_pairs']:,} pairs in {side['all_pairs_s']:.2f} s")
    print(f"   blocked:   {side['blocked_pairs']:,} pairs in {side['blocked_s']:.3f} s")
    print(f"   ratio: {faster:.0f}x faster, {fewer:.0f}x fewer pairs")
    print(f"   true pairs found: all pairs {side['true_found_all_pairs']}/{side['true_pairs']}, blocked "
          f"{side['true_found_blocked']}/{side['true_pairs']}; missed only because of blocking: "
          f"{side['missed_by_blocking']}\n")  # fmt: skip

    if not options.skip_store:
        with tempfile.TemporaryDirectory(prefix="cleanup-bench-") as directory:
            seeded = in_fresh_process(
                phase_seed, options.accounts, options.duplicates, options.seed, directory
            )
            store = in_fresh_process(phase_dry_run, directory)
        rate = seeded["accounts"] / store["dry_run_s"]
        print("3. leadscore cleanup dry run on SQLite (every step, score preview)")
        print(f"   seeded {seeded['accounts']:,} accounts in {seeded['seed_s']:.1f} s (another process)")
        print(f"   dry run {store['dry_run_s']:.1f} s ({rate:,.0f} accounts/s)")
        print(f"   changes: {store['changes_apply']:,} to apply, {store['changes_review']:,} to review")
        print(
            f"   flags: {store['flags_review']:,} to review, {store['flags_research']:,} for the smart field"
        )
        print(f"   merges: {store['merges_automatic']:,} automatic, {store['merges_review']:,} to review; "
              f"pairs compared {store['pairs_compared']:,}")  # fmt: skip
        print(f"   stale values to research: {store['stale_values']:,}")
        print(f"   score preview: {store['rescored']:,} accounts; band changes {store['band_changed']:,}, "
              f"tier {store['tier_changed']:,}, hand-off {store['handoff_changed']:,}")  # fmt: skip
        start = store["rss_before_mib"]
        print(f"   peak RSS {store['peak_rss_mib']:.0f} MiB (at the start, after imports: {start:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
