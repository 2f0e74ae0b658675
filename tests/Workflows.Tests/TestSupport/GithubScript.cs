using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>
/// Runs one of the modules that actions/github-script loads (.github/scripts/*.js) with Node, against an in-memory
/// stand-in for the GitHub REST client holding the given comments and issues. Returns every write the module made, in
/// order, as {"call": "issues.createComment", "params": {...}}.
/// </summary>
internal static class GithubScript
{
    private const string Harness = """
        const [modulePath, input] = process.argv.slice(2);
        const { comments = [], issues = [], args = {} } = JSON.parse(input);
        const writes = [];
        const lists = { listComments: comments, listForRepo: issues };
        const issuesApi = {};
        for (const name of ['listComments', 'listForRepo']) {
          issuesApi[name] = async () => ({ data: lists[name] });
        }
        for (const name of ['createComment', 'updateComment', 'create', 'update']) {
          issuesApi[name] = async (params) => {
            writes.push({ call: `issues.${name}`, params });
            return { data: { id: 1000 + writes.length, number: 1000 + writes.length, html_url: `https://github.com/acme/specs/issues/${1000 + writes.length}` } };
          };
        }
        const github = {
          rest: { issues: issuesApi },
          // The real paginate follows Link headers; one page is enough here.
          paginate: async (method, params) => (await method(params)).data,
        };
        const context = {
          repo: { owner: 'acme', repo: 'specs' },
          issue: { number: 17 },
          serverUrl: 'https://github.com',
          runId: 99,
        };
        const logs = [];
        const core = { info: (m) => logs.push(`info: ${m}`), warning: (m) => logs.push(`warning: ${m}`) };
        require(modulePath)({ github, context, core, ...args })
          .then(() => console.log(JSON.stringify({ writes, logs })))
          .catch((error) => { console.error(error.stack); process.exit(1); });
        """;

    public static async Task<(JsonArray Writes, JsonArray Logs)> RunAsync(string module, JsonObject input)
    {
        var node = Requires.Command("node", "nodejs");
        using var temp = new TempDirectory("github-script");
        var harness = temp.Write("harness.js", Harness);
        var run = await ProcessRun.RunAsync(new ProcessStartInfo(node), harness, RepositoryRoot.File(".github", "scripts", module), input.ToJsonString());
        Assert.True(run.ExitCode == 0, run.Error);
        var result = JsonNode.Parse(run.Output)!;
        return (result["writes"]!.AsArray(), result["logs"]!.AsArray());
    }
}
