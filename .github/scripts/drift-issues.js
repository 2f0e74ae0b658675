// Keeps one open issue per drifted stack: opened when a drift check first finds drift, its text replaced by later
// checks while the drift lasts, closed with a comment by the first check that finds none. A failed check (status
// "error") changes nothing: it says nothing about drift, and the workflow run already fails.
// results: [{ stack, status: "clean" | "drift" | "error", report }] where report's first line is the issue's marker.
// Called from actions/github-script: await require('./.github/scripts/drift-issues.js')({ github, context, core, results })
module.exports = async ({ github, context, core, results }) => {
  const { owner, repo } = context.repo;
  const runUrl = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: 'open', per_page: 100 });
  for (const { stack, status, report } of results) {
    const marker = `<!-- spec-editor:drift:${stack} -->`;
    const issue = open.find((candidate) => !candidate.pull_request && candidate.user?.type === 'Bot' && candidate.body?.startsWith(marker));
    if (status === 'drift') {
      if (!report?.startsWith(marker)) {
        throw new Error(`the drift report of ${stack} does not start with ${marker}`);
      }
      if (!issue) {
        const { data } = await github.rest.issues.create({ owner, repo, title: `Drift detected in the ${stack} stack`, body: report });
        core.warning(`Drift in ${stack}: opened ${data.html_url}`);
      } else {
        // An edit, not a comment: the issue shows the latest check without notifying watchers every day.
        await github.rest.issues.update({ owner, repo, issue_number: issue.number, body: report });
        core.warning(`Drift in ${stack}: updated ${issue.html_url}`);
      }
    } else if (status === 'clean' && issue) {
      await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `No drift found by [this check](${runUrl}); closing.` });
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
      core.info(`No drift in ${stack}: closed ${issue.html_url}`);
    } else if (status === 'error') {
      core.warning(`The drift check of ${stack} failed; its issue, if any, is left as it was.`);
    }
  }
};
