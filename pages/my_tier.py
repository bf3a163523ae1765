import streamlit as st

from core.tiers import benefits, money, tier_history, tier_progress
from ui.context import db
from ui.guard import page_guard
from ui.markdown import literal, plain
from ui.tables import table, text_col, time_col

user = page_guard(__file__)
actor = user.actor

st.title("Our tier")
with db() as session:
    progress = tier_progress(session, actor, actor.partner_id)
    history = tier_history(session, actor, actor.partner_id)
tier, following = progress.tier, progress.next_tier

cols = st.columns(3)
cols[0].metric("Tier", plain(tier.name))
cols[1].metric("Won revenue, trailing 12 months", money(progress.won_revenue))
cols[2].metric("Certified users", progress.certified_users)

st.subheader(f"{plain(tier.name)} benefits")
table([{"benefit": name, "yours": value} for name, value in benefits(tier)],
      {"benefit": text_col("Benefit", 250), "yours": text_col("Yours", "large")})

if following is None:
    st.subheader("Progress")
    st.success(f"{plain(tier.name)} is the top tier.")
else:
    st.subheader(f"Progress to {plain(following.name)}")
    st.progress(progress.revenue_share,
                text=literal(f"Won revenue: {money(progress.won_revenue)} of "
                             f"{money(following.min_won_revenue)}"))
    if following.min_certified_users:
        st.write(f"Certified users: {progress.certified_users} of "
                 f"{following.min_certified_users}")
    if progress.missing:
        st.markdown(f"{plain(following.name)} still needs:\n\n" +
                    "\n".join(f"- {literal(line)}" for line in progress.missing))
    else:
        st.success(f"You meet the {plain(following.name)} rules. The channel team confirms tier "
                   "changes after the daily evaluation.")
if progress.keep_missing:
    st.warning(f"To keep {plain(tier.name)}: " + literal("; ".join(progress.keep_missing)) + ".")

st.subheader("Tier history")
if history:
    table([{"when": h.changed_at, "from": h.from_tier, "to": h.to_tier,
            "how": h.source_label, "reason": h.reason or None} for h in history],
          {"when": time_col("When", 140), "from": text_col("From", 100),
           "to": text_col("To", 100), "how": text_col("How", 150),
           "reason": text_col("Reason", "large")})
else:
    st.write("No tier changes yet.")
