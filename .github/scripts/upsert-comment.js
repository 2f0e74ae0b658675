// Posts the pull request's preview comment, or edits the one an earlier run posted, so a pull request carries one
// preview comment however often it is pushed. The comment is recognised by its first line (a hidden marker), and only
// among comments written by a bot, so a person quoting the marker is never overwritten.
// Called from actions/github-script: await require('./.github/scripts/upsert-comment.js')({ github, context, core, body })
module.exports = async ({ github, context, core, body }) => {
  const marker = body.split('\n', 1)[0];
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const previous = comments.find((comment) => comment.user?.type === 'Bot' && comment.body?.startsWith(marker));
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    core.info(`Updated ${previous.html_url}`);
  } else {
    const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
    core.info(`Created ${data.html_url}`);
  }
};
