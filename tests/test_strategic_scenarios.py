"""The strategic scenarios: every experiment has a tiny variant that runs; decisions are explained;
temperature 0 gives one path whatever the seed; noise explores several; and each scenario shows
the mechanism it was written for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import load_scenario
from sim.model import CoercionModel
from sim.runner import RunResult, run_replications

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
CURB = EXPERIMENTS / "rare_earth_curb.toml"
DETERMINISTIC = [
    f"governments.{c}.{key}=0" for c in ("CN", "JP", "US") for key in ("temperature", "perception_noise")
] + [f"governments.{c}.resolve_type='firm'" for c in ("CN", "JP", "US")]
# China's rare-earth rungs without their cost abroad (buyers diversifying, the lever eroding): the
# ladder then climbs to the ban, as before that cost was weighed.
NO_COST_ABROAD = [
    "governments.CN.rules[0].params.rungs[2].backlash_pct=0", "governments.CN.rules[0].params.rungs[3].backlash_pct=0",
    "governments.CN.rules[1].params.backlash_pct=0", "governments.CN.rules[2].params.backlash_pct={}",
]


def test_every_experiment_has_a_tiny_variant() -> None:
    experiments = {p.stem for p in EXPERIMENTS.glob("*.toml")}
    tiny = {p.stem for p in (EXPERIMENTS / "tiny").glob("*.toml")}
    assert experiments and experiments <= tiny, f"no tiny variant for {sorted(experiments - tiny)}"


@pytest.mark.parametrize("path", sorted((EXPERIMENTS / "tiny").glob("*.toml")), ids=lambda p: p.stem)
def test_tiny_variants_run_and_every_decision_is_explained(path: Path) -> None:
    scenario = load_scenario(path)
    result = run_replications(scenario)
    events = result.events
    assert len(result.outcomes) == scenario.replications
    assert len(events) > 0 and (events["rule"] != "").all() and (events["reason"].str.len() > 5).all()
    for _, event in events.iterrows():
        considered = json.loads(event["alternatives"])
        # (Scripted measures and the economy's own rules, precautionary buying and stockpile
        # releases, are not choices among alternatives.)
        economy_rules = ("schedule", "precautionary_cover", "stockpile_release")
        if event["rule"] not in economy_rules and event["kind"] not in ("lift",) and not event["actor"].islower():
            # A government's choice lists what it was chosen from, the status quo included.
            labels = [a["action"] for a in considered]
            assert event["action"] in labels and "hold" in labels, (path.stem, dict(event))


@pytest.fixture(scope="module")
def noisy_curb() -> RunResult:
    return run_replications(load_scenario(CURB), replications=100)


@pytest.mark.xfail(
    strict=True,
    reason="known gap (issue 10): every concession in 100 replications falls on day 336. China imposes "
    "its licensing when its 42-day deadline passes in every run, the economy is deterministic, and Japan "
    "weighs conceding on its 28-day clock or on news; the day its expected cost of holding out passes "
    "the cost of giving in is not news, so the crossing is seen on the next clock day in every run",
)
def test_noise_varies_the_day_things_resolve(noisy_curb: RunResult) -> None:
    assert noisy_curb.outcomes["resolution_day"].nunique() >= 2


def test_temperature_zero_gives_one_path_for_every_seed() -> None:
    scenario = load_scenario(CURB, overrides=DETERMINISTIC)
    paths = {run_replications(scenario, seed=seed, replications=1).outcomes["path"][0] for seed in range(4)}
    assert len(paths) == 1
    (path,) = paths
    # With every government of the middle ("firm") type, China carries out its threat (licensing) but
    # does not climb to the ban: the ban's cost abroad (0.38%/yr of its GDP, buyers diversifying)
    # outweighs the rise in Japan's chance of giving in that it would bring. Japan waits out the
    # licensing and complains to the WTO; months on, as Japan holds out, China comes to see it as
    # resolute and suspends the licensing (a face-saving lift), keeping the anti-dumping duty.
    assert path == (
        "CN:threaten_ree_licensing > CN:antidumping > JP:wait_out > CN:ree_licensing > CN:suspend_ree_licensing > "
        "JP:wto_complaint"
    )
    # Without that cost abroad China climbs to the ban; once its carmakers' magnets run short Japan's
    # cost of holding out passes its cost of giving in, and it offers a face-saving gesture, which
    # China accepts (the path before costs abroad were weighed).
    cheap = load_scenario(CURB, overrides=[*DETERMINISTIC, *NO_COST_ABROAD])
    assert run_replications(cheap, seed=0, replications=1).outcomes["path"][0] == (
        "CN:threaten_ree_licensing > CN:antidumping > JP:wait_out > CN:ree_licensing > CN:ree_ban > "
        "JP:wto_complaint > JP:face_saving_gesture > CN:accept_concession"
    )


def test_noise_explores_several_outcomes_paths_and_actors(noisy_curb: RunResult) -> None:
    outcomes = noisy_curb.outcomes
    # Noise varies the order of moves, and with the types drawn from the calibrated prior it varies
    # the class too: Japan concedes once holding out costs more than giving in, or holds out to the
    # horizon (a stalemate).
    assert outcomes["path"].nunique() >= 3
    assert outcomes["outcome"].nunique() >= 2
    governments = noisy_curb.events[noisy_curb.events["actor"].str.isupper()]
    assert set(governments["actor"]) >= {"CN", "JP", "US"}
    # Every replication resolves with a class and a path; a concession under measures comes after
    # the rare-earth rungs (3 and up), one at the threat stage before any.
    assert (outcomes["path"] != "").all()
    concede = outcomes[outcomes["outcome"] == "target_concedes"]
    assert (concede["resolution_day"] > 0).all() and (concede["highest_rung.CN"] >= 3).all()


def test_concession_is_accepted_and_everything_is_lifted() -> None:
    # A resolute China: Japan expects the curbs to last and gives in once its losses mount — here
    # with a cheaper concession (0.8% of GDP instead of 1.5%: since the magnet stage lets Japan's
    # carmakers re-source magnets outside China, at the shipped 1.5% Japan holds out to APEC).
    scenario = load_scenario(CURB, overrides=[
        *DETERMINISTIC, *NO_COST_ABROAD, "governments.CN.resolve_type='resolute'",
        "governments.JP.rules[3].params.audience_cost_pct=0.3", "governments.JP.rules[0].params.concession_cost_pct=0.8",
    ])
    model = CoercionModel(scenario, np.random.SeedSequence(1))
    model.run()
    kinds = [(e["actor"], e["kind"]) for e in model.events]
    assert ("JP", "concede") in kinds and ("CN", "accept") in kinds
    assert kinds.index(("JP", "concede")) < kinds.index(("CN", "accept"))
    assert not model.active  # JP's retaliation went with its concession, CN's measures with acceptance
    accept = next(e for e in model.events if e["kind"] == "accept")
    assert "JP conceded" in accept["reason"]


def test_firms_decide_the_magnet_makers_invest_and_the_capacity_arrives_after_the_ramp_up() -> None:
    scenario = load_scenario(CURB, overrides=[*DETERMINISTIC, *NO_COST_ABROAD])  # (the ban runs their cover down)
    model = CoercionModel(scenario, np.random.SeedSequence(1))
    w = model.world
    c, p = model.country_index["ROW"], model.product_index["heavy_rare_earths"]
    investor = "jp_magnet_makers"  # they buy the heavy rare earths; the carmakers buy magnets
    invest = None
    while model.day < scenario.horizon_days and invest is None:
        model.step()
        invest = next((e for e in model.events if e["actor"] == investor and e["kind"] == "invest"), None)
    assert invest is not None and "cover" in invest["reason"] and invest["target"] == "ROW"
    amount = 0.25 * w.base_use[model.firm_index[investor], p]  # the first of two tranches
    arrival = invest["day"] + int(w.ramp_up_days[p])
    slot = arrival % model.state.pipeline.shape[0]
    assert model.state.pipeline[slot, c, p] >= amount
    while model.day <= arrival:
        before = model.state.bg_capacity[c, p]
        model.step()
    assert model.state.bg_capacity[c, p] - before >= amount * (1 - 1e-12)
    # Valued as in the events' reasons: a year's output of the financed capacity at baseline price.
    tranches = [e for e in model.events if e["actor"] == investor and e["kind"] == "invest"]
    assert 1 <= len(tranches) <= 2
    assert model.investment_usd[model.firm_index[investor]] == pytest.approx(len(tranches) * amount * 365 * w.base_price[p])


def first_events(events: pd.DataFrame, actor: str, kind: str) -> pd.DataFrame:
    return events[(events["actor"] == actor) & (events["kind"] == kind)].groupby("replication").head(1)


def test_photoresist_is_japans_first_retaliation() -> None:
    path = EXPERIMENTS / "photoresist_retaliation.toml"
    # Against a resolute China (one that carries its curbs on long enough for Japan to hit back:
    # with the calibrated prior most Chinas suspend or let the threat lapse first), choosing
    # without noise, Japan always opens with its highest-leverage tool ...
    resolute_china = "governments.CN.resolve_type='resolute'"
    # (A Japan whose magnet makers hold 60 days of oxides rather than the cited 90, so that its pain
    # shows early enough in every replication for it to hit back within the horizon: with 90 it
    # does in 1 of these 4. The choice of tool, not the timing, is tested here.)
    thinner = [f"firms.jp_magnet_makers.inputs.{p}.days_of_cover=60" for p in ("rare_earths", "heavy_rare_earths")]
    strict = run_replications(
        load_scenario(path, overrides=["governments.JP.temperature=0", "governments.JP.resolve_type='resolute'", resolute_china, *thinner]),
        replications=4,
    )
    firsts = first_events(strict.events, "JP", "impose")
    assert len(firsts) == 4 and (firsts["action"] == "photoresist_controls").all()
    assert firsts["reason"].str.contains("leverage").all()
    # ... and with the scenario's noise it still does in most replications.
    noisy = first_events(run_replications(load_scenario(path, overrides=[resolute_china, *thinner]), replications=10).events, "JP", "impose")
    assert len(noisy) >= 5
    assert (noisy["action"] == "photoresist_controls").mean() > 0.5


def test_differentiated_controls_block_advanced_and_leave_mature_flows_untouched() -> None:
    scenario = load_scenario(
        EXPERIMENTS / "differentiated_chip_controls.toml",
        overrides=["governments.CN.rules=[]", "governments.JP.temperature=0", "governments.US.temperature=0", "horizon_days=200"],
    )
    model = CoercionModel(scenario, np.random.SeedSequence(0))
    model.run()
    (controls,) = [e for e in model.events if e["action"] == "advanced_controls"]
    assert controls["tiers"] == "advanced" and "US asked to align" in controls["reason"]
    jp, cn = model.country_index["JP"], model.country_index["CN"]
    w, rec = model.world, model.rec
    day = controls["day"] + 30
    for p, product in enumerate(w.products):
        base = w.flow0[jp, cn, p]
        if base == 0:
            continue
        shipped = rec.shipments[day, jp, cn, p]
        if w.tiers[p] == "advanced":
            assert shipped == 0.0, product
        elif w.tiers[p] == "mature":
            assert shipped >= 0.99 * base, product  # not restricted: at or above the baseline flow
    assert np.all(model._policy.allow[jp, cn, [w.tiers.index("mature")]] == 1.0)


def test_korea_stays_out_and_china_exempts_it() -> None:
    scenario = load_scenario(EXPERIMENTS / "korea_hedging.toml", overrides=[*DETERMINISTIC, "horizon_days=120"])
    model = CoercionModel(scenario, np.random.SeedSequence(0))
    model.run()
    moves = [(e["actor"], e["action"]) for e in model.events]
    assert moves.index(("KR", "stay_out")) < moves.index(("CN", "reward_KR"))
    reward = next(e for e in model.events if e["action"] == "reward_KR")
    assert "1 measure(s) lifted" in reward["reason"]
    assert not [m for m in model.active.values() if m.spec.target == "KR"]  # the exemption holds


def test_dual_use_ladder_tightens_one_measure_rather_than_stacking() -> None:
    # A resolute China (stake x2) opens and tightens the ban; softer ones may not start at all. China
    # believes Japan soft or firm as often as not (the pre-calibration prior): under the calibrated
    # prior (mostly resolute, docs/calibration_ties.md) tightening is seldom worth it, and the ladder
    # is what this test is about.
    scenario = load_scenario(EXPERIMENTS / "dual_use_ban.toml", overrides=[
        "governments.CN.resolve_type='resolute'", "governments.CN.resolve_prior=[0.3, 0.4, 0.3]"])
    result = run_replications(scenario, replications=3)
    ts = result.timeseries
    cn_measures = ts[(ts["variable"] == "measures_in_force") & (ts["country"] == "CN")]["value"]
    assert cn_measures.max() == 1.0  # each rung replaces the previous reading of the ban
    tightened = result.events[result.events["action"].isin(["dual_use_enforced", "dual_use_strict"])]
    assert set(tightened["enforcement"]) <= {0.4, 0.8} and len(tightened) >= 3
    assert tightened["reason"].str.contains("own resolve resolute").all()


def threat_success_share(*overrides: str) -> float:
    """Share of threat_succeeded over the threat stage (60 days) of the tiny curb, 20 replications."""
    scenario = load_scenario(EXPERIMENTS / "tiny" / "rare_earth_curb.toml", overrides=["horizon_days=60", *overrides])
    outcomes = run_replications(scenario, replications=20).outcomes["outcome"]
    return float((outcomes == "threat_succeeded").mean())


# What Japan (and China, judging its threat) expects rare-earth curbs to cost Japan a year: the
# shipped scenario takes the middle published estimate (0.88% of GDP); the highest is 1.3%.
HIGH_COST = [
    "governments.JP.rules[3].params.threatened_cost_pct='@gdp_loss_japan_ree_stop_1y_daiwa_pct'",
    "governments.CN.rules[1].params.target_cost_pct='@gdp_loss_japan_ree_stop_1y_daiwa_pct'",
]


def test_threats_can_work_and_work_more_when_more_credible_or_more_costly() -> None:
    shipped = threat_success_share()
    # At the middle published estimate of the threatened cost, giving in (audience + reputation,
    # 1.5% of GDP) stays dearer than the threat for every type: the threat stage never succeeds.
    assert shipped == 0
    # At the highest published estimate soft Japans give in at the threat stage.
    high = threat_success_share(*HIGH_COST)
    assert high > shipped
    # Credibility: a Japan that believes China soft expects the threat carried out less often.
    assert threat_success_share(*HIGH_COST, "governments.JP.resolve_prior=[0.6,0.3,0.1]") < high
    # Cost: the more Japan expects the threatened measure to cost, the more often it gives in.
    assert threat_success_share(
        "governments.JP.rules[3].params.threatened_cost_pct=3.6", "governments.CN.rules[1].params.target_cost_pct=3.6"
    ) > high


def threat_lapse_share(*overrides: str) -> float:
    """Share of replications of the tiny curb (90 days: the deadline, one extension) in which China
    lets its called threat lapse, 20 replications."""
    scenario = load_scenario(EXPERIMENTS / "tiny" / "rare_earth_curb.toml", overrides=["horizon_days=90", *overrides])
    events = run_replications(scenario, replications=20).events
    return events.loc[events["kind"] == "drop_threat", "replication"].nunique() / 20


def test_a_called_threat_lapses_with_shipped_parameters_and_less_when_credibility_costs_more() -> None:
    # Shipped parameters (types drawn from the calibrated prior): the lapse is reachable.
    assert threat_lapse_share() > 0
    # A soft China (stake 1% x 0.5) gains +~11% x 0.5% from carrying out licensing, less than its
    # cost abroad (0.19%/yr over Japan's believed resolve, ~0.11%) net of the lapse's lost credibility
    # (0.02% x 0.5): it lets the threat lapse in every replication.
    soft = "governments.CN.resolve_type='soft'"
    assert threat_lapse_share(soft) == 1.0
    # The dearer a lapse (credibility lost, % of GDP) or the cheaper carrying out, the rarer the lapse.
    assert threat_lapse_share(soft, "governments.CN.rules[1].params.reputation_pct=0.2") == 0.0
    assert threat_lapse_share(soft, "governments.CN.rules[1].params.backlash_pct=0") == 0.0


def test_sim_explain_shows_a_lapse_with_the_values_compared(tmp_path: Path) -> None:
    from cli_helpers import invoke

    out = tmp_path / "soft"
    result = invoke("run", str(EXPERIMENTS / "tiny" / "rare_earth_curb.toml"), "-n", "1", "-q", "--out", str(out),
                    "--set", "horizon_days=90", "--set", "governments.CN.resolve_type='soft'",
                    "--set", "governments.CN.temperature=0",
                    # China believing Japan mostly resolute, so the anti-dumping rung is not worth
                    # climbing before the deadline: the threat is its only move.
                    "--set", "governments.CN.resolve_prior=[0.2, 0.1, 0.7]")
    assert result.exit_code == 0, result.output
    text = invoke("explain", str(out)).output
    # A soft China extends its called threat once, then lets it lapse: having imposed nothing, it
    # backed down at the threat stage (TIES: a threat never imposed).
    assert "outcome: coercer_backs_down on day 84" in text
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "drop_ree_licensing" in line and "(drop_threat" in line)
    why = lines[at + 1]
    # The rule, what Japan's holding out said, the lost credibility and carrying out's gain and cost.
    assert why.strip().startswith("why: threat: deadline of day 84 passed, threat called (JP held out 84 days")
    assert "let it lapse, losing reputation 0.01% (own resolve soft (x0.5))" in why and "0.190%/yr abroad" in why
    assert "considered: drop_ree_licensing 0.0000 | ree_licensing -0.0" in lines[at + 2]
