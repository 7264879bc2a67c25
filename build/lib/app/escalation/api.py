from fastapi import APIRouter

from app.escalation import service
from app.escalation.schemas import HelpOut

router = APIRouter(tags=["help"])


@router.get("/help", response_model=HelpOut)
def help_resources() -> HelpOut:
    """Every tier's pathway and resources. No sign-in needed."""
    return service.help_out()
