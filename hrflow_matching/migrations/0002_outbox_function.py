"""PostgreSQL: the outbox write of a CRM save as one function call (``outbox.write``).

Why a function: every CRM save inserts an event and its deliveries. Sent as one SQL statement,
PostgreSQL parses and plans it anew on every save (Django turns prepared statements off), which
cost more than the insert itself; PL/pgSQL keeps the plans of its statements for the session.
Written by hand, as a migration is a snapshot: a later change of these columns comes with a
migration that replaces the function. Other databases have nothing to create.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION hrflow_outbox_write(
    p_event_type text, p_reference text, p_model_label text, p_object_pk text,
    p_tenant text, p_now timestamptz, p_body text
) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    new_event bigint;
    new_deliveries bigint[];
BEGIN
    INSERT INTO hrflow_matching_event (
        event_type, reference, model_label, object_pk, tenant, event_date, body,
        created_at, indexed_at, index_attempts, index_error
    ) VALUES (
        p_event_type, p_reference, p_model_label, p_object_pk, p_tenant, p_now, p_body,
        p_now, NULL, 0, ''
    ) RETURNING id INTO new_event;
    WITH created AS (
        INSERT INTO hrflow_matching_delivery (
            event_id, endpoint_id, msg_id, status, attempt_count, next_attempt_at,
            claim_token, locked_until, last_status_code, last_error, delivered_at,
            created_at, updated_at
        )
        SELECT new_event, ep.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''),
               'pending', 0, p_now, '', NULL, NULL, '', NULL, p_now, p_now
        FROM hrflow_matching_webhookendpoint ep
        WHERE ep.is_active
          AND (ep.tenant = p_tenant OR (p_tenant IS NULL AND ep.tenant IS NULL))
          AND (jsonb_array_length(ep.events) = 0 OR ep.events ? p_event_type)
        RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO new_deliveries FROM created;
    RETURN new_event || coalesce(new_deliveries, '{}');
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS hrflow_outbox_write(text, text, text, text, text, timestamptz, text);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("hrflow_matching", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
