"""`calculator`: arithmetic through simpleeval with no names and no functions — never `eval`. Powers
and factors are bounded by simpleeval's limits, so `9**9**9` is refused instead of hanging a worker."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field
from simpleeval import InvalidExpression, NumberTooHigh, SimpleEval

from hearth.agents.tools.base import Tool, ToolContext, ToolError


class CalculatorArguments(BaseModel):
    expression: Annotated[str, Field(min_length=1, max_length=200, description="e.g. 17*23 or (2+3)**2/4")]


def evaluate(expression: str) -> int | float:
    evaluator = SimpleEval(functions={}, names={})
    try:
        value = evaluator.eval(expression.replace("^", "**").replace("×", "*").replace("÷", "/"))
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except NumberTooHigh:
        raise ToolError("the result would be too large") from None
    except (InvalidExpression, SyntaxError, TypeError, ValueError, KeyError, OverflowError) as exc:
        raise ToolError(f"not an arithmetic expression: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolError("not an arithmetic expression")
    return value


async def run(_ctx: ToolContext, args: Any) -> dict[str, Any]:
    return {"expression": args.expression, "result": evaluate(args.expression)}


TOOL = Tool(name="calculator", description="Evaluate an arithmetic expression (+ - * / // % ** and parentheses).",
            arguments=CalculatorArguments, handler=run, timeout_s=5, pure=True)
