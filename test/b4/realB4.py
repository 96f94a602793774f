# Drives the real b4 0.16 (unpacked by scripts/fetch-b4.sh) through its own code paths, in the
# current directory's repository, and prints what b4 made of our output as JSON:
#   track BRANCH BASE        b4's tracking commit (cover + make_review_magic_json) on BRANCH
#   agent BRANCH             run b4.review-agent-command as b4's TUI action does (cwd = top
#                            folder, one "Read and execute the prompt from ..." argument), then
#                            b4's _prepare_review_session, which merges .git/b4-review/<tip>/
#                            into the tracking data; prints the merged reviews and the
#                            reviewer's draft as _render_quoted_diff_with_comments shows it
#   checks BRANCH            load_check_cmds (git config), run_perpatch_checks on each patch
#                            mail and run_series_checks on the cover, store + read back through
#                            b4's check cache, and render each result's details with the check
#                            view's _render_detail_lines
# Run with HOME and XDG_DATA_HOME pointing at a temp folder.
import argparse
import email.parser
import email.policy
import json
import os
import subprocess
import sys

import b4
import b4.review
import b4.review.checks as checks


def setup() -> str:
    b4.setup_config(argparse.Namespace(config={}))
    return b4.git_get_toplevel()


def git(topdir: str, args, stdin=None) -> str:
    ecode, out = b4.git_run_command(topdir, args, stdin=stdin)
    if ecode:
        sys.exit(f'git {" ".join(args)} failed: {out}')
    return out


def track(branch: str, base: str) -> None:
    topdir = setup()
    first = git(topdir, ['rev-list', '--reverse', f'{base}..HEAD']).split()[0]
    shas = git(topdir, ['rev-list', '--reverse', f'{base}..HEAD']).split()
    patches = []
    for i, sha in enumerate(shas):
        subject = git(topdir, ['log', '-1', '--format=%s', sha]).strip()
        patches.append({'title': f'[PATCH {i + 1}/{len(shas)}] {subject}', 'link': '',
                        'header-info': {}, 'followups': []})
    tracking = {
        'series': {'identifier': None, 'status': 'reviewing', 'revision': 1,
                   'change-id': branch.removeprefix('b4/review/'), 'link': '',
                   'subject': f'[PATCH 0/{len(shas)}] sample series', 'fromname': 'T',
                   'fromemail': 't@x', 'expected': len(shas), 'complete': True,
                   'base-commit': git(topdir, ['rev-parse', base]).strip(),
                   'prerequisite-commits': [], 'first-patch-commit': first,
                   'header-info': {}, 'tracked-at': '2026-12-03T00:00:00+00:00',
                   'is-rethreaded': False},
        'followups': [],
        'patches': patches,
        'known-revisions': [],
    }
    msg = 'sample series\n\nA cover letter.\n\n' + b4.review.make_review_magic_json(tracking)
    git(topdir, ['checkout', '-q', '-b', branch])
    git(topdir, ['commit', '-q', '--allow-empty', '-F', '-'], stdin=msg.encode())


def agent(branch: str) -> None:
    topdir = setup()
    config = b4.get_main_config()
    cmd = str(config.get('review-agent-command'))
    prompt = os.path.join(topdir, str(config.get('review-agent-prompt-path')))
    cmdargs = checks.parse_cmd(cmd) + [f'Read and execute the prompt from {prompt}']
    head_before = git(topdir, ['rev-parse', 'HEAD']).strip()
    proc = subprocess.run(cmdargs, cwd=topdir, capture_output=True, text=True)
    written = sorted(os.listdir(os.path.join(topdir, '.git', 'b4-review', head_before)))
    session = b4.review._prepare_review_session(argparse.Namespace(branch=branch))
    _cover, tracking = b4.review.load_tracking(topdir, branch)
    drafts = {}
    for idx, patch in enumerate(tracking['patches']):
        reviews = patch.get('reviews')
        if not reviews:
            continue
        sha = session['commit_shas'][idx]
        diff = git(topdir, ['diff', f'{sha}~1', sha])
        drafts[idx + 1] = b4.review._render_quoted_diff_with_comments(
            diff, reviews, session['usercfg'].get('email', ''))
    print(json.dumps({
        'agentExit': proc.returncode, 'agentStderr': proc.stderr, 'written': written,
        'consumed': not os.path.isdir(os.path.join(topdir, '.git', 'b4-review', head_before)),
        'seriesReviews': tracking['series'].get('reviews', {}),
        'patchReviews': {i + 1: p.get('reviews') for i, p in enumerate(tracking['patches'])
                         if p.get('reviews')},
        'drafts': drafts,
    }, indent=1))


def checks_run(branch: str) -> None:
    topdir = setup()
    perpatch, series = checks.load_check_cmds()
    _cover, tracking = b4.review.load_tracking(topdir, branch)
    os.makedirs(os.environ['XDG_DATA_HOME'], exist_ok=True)
    tfile = os.path.join(os.environ['XDG_DATA_HOME'], 'tracking.json')
    with open(tfile, 'w') as fh:
        json.dump(tracking, fh)
    env = {'B4_TRACKING_FILE': tfile}
    base = tracking['series']['first-patch-commit'] + '~1'
    shas = git(topdir, ['rev-list', '--reverse', f'{base}..{branch}~1']).split()
    parser = email.parser.BytesParser(policy=email.policy.EmailPolicy())
    patch_msgs = []
    for i, sha in enumerate(shas):
        raw = git(topdir, ['format-patch', '--stdout', '-1', sha]).encode()
        msg = parser.parsebytes(raw)
        patch_msgs.append((f'patch-{i + 1}@test', msg))
    # b4 checks out the branch tip before it runs anything in the top folder.
    perpatch_results = checks.run_perpatch_checks(patch_msgs, perpatch, topdir, extra_env=env)
    cover = parser.parsebytes(b'Subject: [PATCH 0/5] sample series\n\nA cover letter.\n')
    series_results = checks.run_series_checks(('cover@test', cover), series, topdir,
                                              extra_env=env)
    conn = checks.get_db()
    for msgid, results in perpatch_results.items():
        checks.store_results(conn, msgid, results)
    checks.store_results(conn, 'cover@test', series_results)
    cached = checks.get_cached_results(conn, [m for m, _ in patch_msgs] + ['cover@test'])
    conn.close()

    from rich.text import Text
    from b4.review_tui._modals import TrackingCheckResultsScreen as Screen

    view = type('View', (), {'_STATUS_DOTS': Screen._STATUS_DOTS})()
    shown = {}
    for msgid, results in cached.items():
        for r in results:
            body = Text()
            Screen._render_detail_lines(view, body, r['details'])
            shown[msgid] = {'tool': r['tool'], 'status': r['status'], 'summary': r['summary'],
                            'details': body.plain}
    print(json.dumps({'perpatch': perpatch, 'series': series, 'shown': shown}, indent=1))


def main() -> None:
    cmd, *rest = sys.argv[1:]
    if cmd == 'track':
        track(*rest)
    elif cmd == 'agent':
        agent(*rest)
    elif cmd == 'checks':
        checks_run(*rest)
    else:
        sys.exit(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
