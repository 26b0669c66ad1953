"""python manage.py assess_cases FILE.json — evaluate worked cases (docs/rules.md, promotion)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from gradebook.regulations.base import RuleError
from gradebook.regulations.cases import matches, run_cases


class Command(BaseCommand):
    help = "Evaluate assessment cases from a JSON file and print a JSON array of outputs."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON array of cases ('-' for standard input)")
        parser.add_argument(
            "--check", action="store_true", help="compare with each case's 'expected'; exit 1 on a mismatch"
        )

    def handle(self, *args, file, check, **options):
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
            cases = json.loads(text)
            results = run_cases(cases)
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp: {exc}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"Tệp JSON không hợp lệ: {exc}") from None
        except RuleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=1))
        if check:
            failed = []
            for case, result in zip(cases, results, strict=True):
                expected = case.get("expected") or {}
                if "error" in result:
                    failed.append(f"{result['id']}: {result['error']}")
                elif bad := matches(expected, result["output"]):
                    failed.append(f"{result['id']}: {', '.join(bad)}")
            if failed:
                self.stderr.write("\n".join(failed))
                raise CommandError(f"{len(failed)} trường hợp không khớp")
