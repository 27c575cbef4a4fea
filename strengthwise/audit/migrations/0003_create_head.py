"""The chain head exists from the start; it is never deleted (verify-audit checks it)."""

from django.db import migrations

from strengthwise.audit.services import GENESIS, head_mac


def create_head(apps, schema_editor):
    head_model = apps.get_model("audit", "AuditHead")
    event_model = apps.get_model("audit", "AuditEvent")
    if head_model.objects.filter(pk=1).exists():
        head = head_model.objects.get(pk=1)
        head.mac = head_mac(head.seq, head.hash)
        head.save(update_fields=["mac"])
        return
    last = event_model.objects.order_by("-seq").first()
    seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS)
    head_model.objects.create(pk=1, seq=seq, hash=last_hash, mac=head_mac(seq, last_hash))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_head_seal")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
