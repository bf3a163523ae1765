import streamlit as st

from core.training import certified_by_partner, completion_by_course, expiring, tier_risks
from ui.context import db
from ui.guard import page_guard
from ui.tables import count_col, day_col, record_table, table, text_col

user = page_guard(__file__)
actor = user.actor

st.title("Training report")
days = st.segmented_control("Expiring within", [30, 60, 90], default=30,
                            format_func=lambda d: f"{d} days") or 30
with db() as session:
    soon = expiring(session, actor, days)
    risks = tier_risks(session, actor, days)
    courses = completion_by_course(session, actor)
    certified = certified_by_partner(session, actor)

st.subheader("Partners an expiry will leave short of their tier")
st.caption(f"They meet their tier's certified users today; the certifications expiring within "
           f"{days} days take them under it unless renewed. A row opens the partner.")
record_table([{"id": r.partner_id, "partner": r.partner, "tier": r.tier, "needed": r.needed,
               "now": r.certified, "after": r.after_expiries, "first": r.first_expiry}
              for r in risks],
             {"partner": text_col("Partner", 220, pinned=True), "tier": text_col("Tier", 90),
              "needed": count_col("Needed", 70), "now": count_col("Certified now", 100),
              "after": count_col("After expiries", 110), "first": day_col("First expiry", 110)},
             key="tier_risks", page="partner_360")

st.subheader(f"Certifications expiring within {days} days")
record_table([{"id": r.partner_id, "holder": r.holder, "partner": r.partner, "track": r.track,
               "expires": r.expires_at} for r in soon],
             {"holder": text_col("Holder", 160), "partner": text_col("Partner", 200),
              "track": text_col("Track", 240), "expires": day_col("Expires", 110)},
             key="expiring", page="partner_360")

left, right = st.columns(2)
with left:
    st.subheader("Completion per course")
    table([{"course": f"{c.course} (v{c.version})", "learners": c.learners,
            "completed": c.completed} for c in courses],
          {"course": text_col("Course", 240), "learners": count_col("Began", 70),
           "completed": count_col("Completed", 90)})
with right:
    st.subheader("Certified users per partner and product line")
    record_table([{"id": r.partner_id, "partner": r.partner, "line": r.product_line,
                   "users": r.certified_users} for r in certified],
                 {"partner": text_col("Partner", 200), "line": text_col("Product line", 140),
                  "users": count_col("Certified", 80)},
                 key="certified", page="partner_360")
