"""`yankao audit verify` checks the audit trail's hash chain; `yankao audit seal` seals pending entries.

Run `yankao audit seal` periodically (every few minutes from cron or a systemd timer): the
sealing task enqueued after each write seals recent entries, this also picks up entries whose
transaction committed very late. Run `yankao audit verify` daily and ship its head line
elsewhere (see docs/audit-trail.md).
"""

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yankao.core import audit_chain
from yankao.core.services.audit import audit_seal_pending


class Command(BaseCommand):
    help = "稽核軌跡：verify 驗證雜湊鏈，seal 封存待封存的紀錄。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="驗證雜湊鏈：竄改、刪除、斷鏈與逾時未封存的紀錄。")
        verify.add_argument(
            "--unsealed-after",
            type=int,
            metavar="SECONDS",
            help="未封存超過此秒數即列為異常（預設：寬限期的兩倍再加 60 秒）。",
        )
        verify.add_argument(
            "--anchor",
            metavar="SEQ:HASH",
            help="先前另行保存的鏈頭（序號:鏈結雜湊），驗證雜湊鏈仍經過它。",
        )
        verify.add_argument("--no-progress", action="store_true", help="不顯示進度列。")
        seal = sub.add_parser("seal", help="封存超過寬限期的未封存紀錄（完整掃描）。")
        seal.add_argument("--grace", type=int, metavar="SECONDS", help="寬限秒數（預設：設定值）。")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "seal":
            count = audit_seal_pending(grace_seconds=options["grace"], full_scan=True)
            self.stdout.write(f"已封存 {count} 筆稽核紀錄。")
            return
        self._verify(options)

    def _verify(self, options: dict[str, Any]) -> None:
        anchor = _anchor_parse(options["anchor"]) if options["anchor"] else None
        unsealed_after = (
            timedelta(seconds=options["unsealed_after"])
            if options["unsealed_after"] is not None
            else audit_chain.unsealed_tolerance()
        )
        result = audit_chain.chain_verify(
            unsealed_after=unsealed_after, anchor=anchor, progress=False if options["no_progress"] else None
        )
        self.stdout.write(f"已驗證 {result.seal_count} 個封存。")
        self.stdout.write(f"鏈頭 head {result.head_seq or 0}:{result.head_hash}")
        problems = [
            (
                "遭竄改的紀錄（內容與封存不符）",
                "tampered entry",
                result.tampered_count,
                result.tampered_entry_ids,
            ),
            (
                "遭刪除的紀錄（有封存、無紀錄）",
                "deleted entry",
                result.deleted_count,
                result.deleted_entry_ids,
            ),
            (
                "斷裂的鏈結（封存遭刪除或修改）",
                "broken link at seq",
                result.broken_link_count,
                result.broken_link_seqs,
            ),
            ("逾時未封存的紀錄", "unsealed entry", result.unsealed_count, result.unsealed_entry_ids),
        ]
        for title, label, count, ids in problems:
            if count:
                listed = ", ".join(str(i) for i in ids)
                more = f" …（另 {count - len(ids)} 筆）" if count > len(ids) else ""
                self.stdout.write(self.style.ERROR(f"{title}：{count} 筆 — {label} {listed}{more}"))
        if result.anchor_mismatch:
            self.stdout.write(
                self.style.ERROR(f"雜湊鏈未經過保存的鏈頭（{result.anchor_mismatch}）：鏈可能遭改寫。")
            )
        if not result.ok:
            raise CommandError("稽核軌跡驗證失敗，請見上列異常。", returncode=1)
        self.stdout.write(self.style.SUCCESS("稽核軌跡完整：未發現異常。"))


def _anchor_parse(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError(f"--anchor「{text}」的格式應為 序號:64位十六進位雜湊。")
    return int(seq), digest.lower()
