"""Training listens to itself: a completed course may issue or renew certifications. (The
onboarding checklist listens to CourseCompleted in core.onboarding.subscribers.)"""

from sqlalchemy.orm import Session

from core.events import subscriber
from core.training.certifications import follow_completion
from core.training.events import CourseCompleted


@subscriber(CourseCompleted)
def certify(db: Session, event: CourseCompleted) -> None:
    follow_completion(db, event.actor, event.user_id, event.partner_id, event.family, event.at)
