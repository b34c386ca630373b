-- The peer's functions: what PostGraphile 5 exposes, beside the tables, for the scenarios
-- `tongxin-bench --peer postgraphile` compares (bench/README.md, "The PostGraphile peer").
-- Run by the bench after the dataset load, on PostgreSQL only; the schema is dropped and
-- created anew each run. They mirror Tongxin's rules (api/src/domain/registrations,
-- api/src/domain/dashboard/queries.rs) so that both sides do the same work in the database.
--
-- The signed-in volunteer comes from the request's `x-viewer` header, which the peer's
-- graphile.config.mjs sets as `jwt.claims.volunteer_id` for the transaction.

DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;

-- The feed's order (Tongxin's `ix_activities_public_feed`: undated last, then start,
-- sequence number, id) has an expression PostGraphile's orderBy cannot name; a function
-- that PostgreSQL inlines keeps that order and that index.
CREATE FUNCTION peer.feed() RETURNS SETOF public.activities
LANGUAGE sql STABLE AS $$
  SELECT a.* FROM public.activities a
  WHERE a.status IN ('PUBLISHED', 'COMPLETED')
  ORDER BY CASE WHEN a.starts_at IS NULL THEN 1 ELSE 0 END, a.starts_at, a.seq_no, a.id
$$;
COMMENT ON FUNCTION peer.feed() IS 'The activities volunteers see, in the feed''s order.';

CREATE FUNCTION peer.viewer_volunteer_id() RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT NULLIF(current_setting('jwt.claims.volunteer_id', true), '')::integer
$$;
COMMENT ON FUNCTION peer.viewer_volunteer_id() IS '@behavior -*';

-- Activity.viewerRegistration: the viewer's live registration (the unique index
-- ux_registrations_live holds at most one).
CREATE FUNCTION peer.activities_viewer_registration(a public.activities)
RETURNS public.registrations
LANGUAGE sql STABLE AS $$
  SELECT r.* FROM public.registrations r
  WHERE r.activity_id = a.id AND r.volunteer_id = peer.viewer_volunteer_id()
    AND r.status <> 'CANCELLED'
$$;

-- Registration.waitlistPosition: how many of its activity's waitlisted registrations
-- arrived before it, itself included (Tongxin's rules::waitlist_position_sql).
CREATE FUNCTION peer.registrations_waitlist_position(r public.registrations)
RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN r.status = 'WAITLISTED' THEN (
    SELECT COUNT(*)::integer FROM public.registrations w
    WHERE w.activity_id = r.activity_id AND w.status = 'WAITLISTED' AND w.id <= r.id)
  END
$$;

-- Survey.viewerHasResponded: the viewer (as a user) answered it. Tongxin looks the answer
-- up by a keyed hash on the unique index (survey, key); the peer by its respondent.
CREATE FUNCTION peer.surveys_viewer_has_responded(s public.surveys) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.survey_responses sr
    WHERE sr.survey_id = s.id
      AND sr.respondent_id = (SELECT v.user_id FROM public.volunteers v
                              WHERE v.id = peer.viewer_volunteer_id()))
$$;

-- Mutation register: Tongxin's registration rules. Under the activity's row lock: it must
-- be PUBLISHED and open (registrationOpensAt, else publication, has passed; neither
-- registrationClosesAt nor, without it, the start has), then REGISTERED while there is a
-- place, else WAITLISTED (FIFO: the lock orders them); the counters move in the same
-- transaction; the unique index ux_registrations_live refuses a second live registration.
CREATE FUNCTION peer.register(activity_id integer) RETURNS public.registrations
LANGUAGE plpgsql VOLATILE STRICT AS $$
#variable_conflict use_column
DECLARE
  viewer integer := peer.viewer_volunteer_id();
  at timestamptz := now();
  a public.activities;
  created public.registrations;
BEGIN
  IF viewer IS NULL THEN
    RAISE EXCEPTION 'sign in as a volunteer' USING ERRCODE = '28000';
  END IF;
  SELECT * INTO a FROM public.activities WHERE id = register.activity_id FOR UPDATE;
  IF NOT FOUND OR a.status = 'DRAFT' THEN
    RAISE EXCEPTION 'no such activity' USING ERRCODE = 'P0002';
  END IF;
  IF a.status <> 'PUBLISHED' THEN
    RAISE EXCEPTION 'the activity is not open for registration';
  END IF;
  IF COALESCE(a.registration_opens_at, a.published_at, at) > at THEN
    RAISE EXCEPTION 'registration has not opened';
  END IF;
  IF COALESCE(a.registration_closes_at, a.starts_at) IS NOT NULL
     AND at >= COALESCE(a.registration_closes_at, a.starts_at) THEN
    RAISE EXCEPTION 'registration has closed';
  END IF;
  INSERT INTO public.registrations (activity_id, volunteer_id, status, created_at, updated_at)
  VALUES (a.id, viewer,
          CASE WHEN a.capacity IS NULL OR a.registered_count < a.capacity
               THEN 'REGISTERED' ELSE 'WAITLISTED' END,
          at, at)
  RETURNING * INTO created;
  UPDATE public.activities
     SET registered_count = registered_count + CASE WHEN created.status = 'REGISTERED' THEN 1 ELSE 0 END,
         waitlist_count = waitlist_count + CASE WHEN created.status = 'WAITLISTED' THEN 1 ELSE 0 END
   WHERE id = a.id;
  RETURN created;
END
$$;
COMMENT ON FUNCTION peer.register(integer) IS 'Registers the viewer for an activity: a place while there is one, else the waitlist.';

-- DashboardHours over the whole plan, from the rollups Tongxin's approving writes keep
-- (as its dashboard does without a range) and the counted activities (PUBLISHED or
-- COMPLETED).
CREATE TYPE peer.department_hours AS (
  department_id integer,
  department_name text,
  hours numeric,
  volunteer_count bigint,
  activity_count bigint
);

CREATE FUNCTION peer.dashboard_hours() RETURNS SETOF peer.department_hours
LANGUAGE sql STABLE AS $$
  WITH minutes AS (
    SELECT v.department_id, SUM(v.minutes) AS minutes, COUNT(*) AS volunteer_count
    FROM public.rollup_department_volunteers v WHERE v.department_id <> 0
    GROUP BY v.department_id
  ), activities AS (
    SELECT a.primary_department_id AS department_id, COUNT(*) AS activity_count
    FROM public.activities a
    WHERE a.status IN ('PUBLISHED', 'COMPLETED') AND a.primary_department_id IS NOT NULL
    GROUP BY a.primary_department_id
  )
  SELECT d.id, d.name::text, ROUND(COALESCE(m.minutes, 0) / 60.0, 2),
         COALESCE(m.volunteer_count, 0), COALESCE(x.activity_count, 0)
  FROM public.departments d
  LEFT JOIN minutes m ON m.department_id = d.id
  LEFT JOIN activities x ON x.department_id = d.id
  WHERE m.department_id IS NOT NULL OR x.department_id IS NOT NULL
  ORDER BY COALESCE(m.minutes, 0) DESC, d.id
$$;
COMMENT ON FUNCTION peer.dashboard_hours() IS 'Approved hours, volunteers and counted activities by primary department.';

CREATE TYPE peer.month_hours AS (month text, hours numeric, activity_count bigint);

CREATE FUNCTION peer.dashboard_hours_by_month() RETURNS SETOF peer.month_hours
LANGUAGE sql STABLE AS $$
  WITH minutes AS (
    SELECT m.month, SUM(m.minutes) AS minutes
    FROM public.rollup_department_months m WHERE m.month <> '' GROUP BY m.month
  ), activities AS (
    SELECT to_char(a.start_date, 'YYYY-MM') AS month, COUNT(*) AS activity_count
    FROM public.activities a
    WHERE a.status IN ('PUBLISHED', 'COMPLETED') AND a.start_date IS NOT NULL
    GROUP BY to_char(a.start_date, 'YYYY-MM')
  )
  SELECT COALESCE(m.month, x.month)::text, ROUND(COALESCE(m.minutes, 0) / 60.0, 2),
         COALESCE(x.activity_count, 0)
  FROM minutes m FULL JOIN activities x ON x.month = m.month
  ORDER BY 1
$$;

CREATE TYPE peer.category_count AS (category_id integer, category_name text, count bigint);

CREATE FUNCTION peer.dashboard_activities_by_category() RETURNS SETOF peer.category_count
LANGUAGE sql STABLE AS $$
  SELECT c.id, c.name::text, COUNT(*)
  FROM public.activities a JOIN public.categories c ON c.id = a.category_id
  WHERE a.status IN ('PUBLISHED', 'COMPLETED')
  GROUP BY c.id, c.name ORDER BY c.id
$$;

CREATE TYPE peer.volunteer_hours AS (volunteer_id integer, display_name text, hours numeric);

CREATE FUNCTION peer.dashboard_top_volunteers(top integer) RETURNS SETOF peer.volunteer_hours
LANGUAGE sql STABLE AS $$
  SELECT r.volunteer_id, v.real_name::text, ROUND(r.minutes / 60.0, 2)
  FROM public.rollup_volunteers r JOIN public.volunteers v ON v.id = r.volunteer_id
  ORDER BY r.minutes DESC, r.volunteer_id LIMIT top
$$;
