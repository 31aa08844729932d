"""Read-only questions about a PostHog project, and the few imperative writes phsync makes.

One module per area; each turns PostHog's JSON into frozen values that say things in words
(a flag's rollout, a cohort's criteria) and have a ``to_dict()`` for JSON output:

    flags        iter_flags, get_flag (by key, through the list's ``search``)
    cohorts      iter_cohorts, get_cohort, cohort_persons (by name or ``#ID``)
    persons      iter_persons, get_person (id, UUID or distinct id), set_property,
                 delete_property (PostHog applies both asynchronously)
    recordings   iter_recordings, get_recording (with the playback URL)
    dashboards   iter_dashboards, get_dashboard (with tiles), find_dashboard_id
    endpoints    iter_endpoints, run_endpoint
    annotations  iter_annotations, create_annotation (``creation_type: USR``)
    doctor       diagnose: host, key, project and scope checks
    common       take, page_size_for, parse_moment, parse_value, parse_assignments

Listings are lazy iterators over PostHog's pagination; ``limit`` only sizes the pages, and
:func:`~reconciler.queries.common.take` cuts the list and says whether more exist.
"""
