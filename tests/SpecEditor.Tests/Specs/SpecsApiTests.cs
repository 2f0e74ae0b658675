using System.Net;
using System.Text.Json;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Specs;

/// <summary>The JSON API over real HTTP on loopback, against the local store's real git repository.</summary>
public sealed class SpecsApiTests : IAsyncLifetime
{
    private const string AcmeDevPath = "specs/acme/dev/spec.yml";
    private TestApp _app = null!;
    private GitCli _git = null!;

    private HttpClient Client => _app.Client;

    public async ValueTask InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _git = new GitCli(_app.RepositoryPath);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Lists_every_seeded_pod_with_its_version()
    {
        var (status, body) = await Client.GetJsonAsync("/api/pods");

        Assert.Equal(HttpStatusCode.OK, status);
        var pods = body.GetProperty("pods").EnumerateArray().ToArray();
        Assert.Equal(8, pods.Length);
        Assert.Contains(pods, p => p.Str("customer") == "umbrella" && p.Str("environment") == "prd");
        var acmeDev = pods.Single(p => p.Str("customer") == "acme" && p.Str("environment") == "dev");
        Assert.Equal(_git.Run("rev-parse", $"main:{AcmeDevPath}").Trim(), acmeDev.Str("version"));
        Assert.Equal("ok", acmeDev.Str("status"));
        Assert.Equal(_git.Head(), body.Str("commit"));
    }

    [Fact]
    public async Task The_pod_list_answers_304_while_nothing_changed()
    {
        using var first = await Client.GetAsync("/api/pods", TestContext.Current.CancellationToken);
        var etag = first.Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/pods");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);

        // Compared as RFC 9110 says: weakly (a compressing proxy's W/ tag) and within a list.
        foreach (var header in new[] { $"W/{etag.Tag}", $"\"other\", {etag.Tag}", "*" })
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/pods");
            conditional.Headers.TryAddWithoutValidation("If-None-Match", header);
            using var answer = await Client.SendAsync(conditional, TestContext.Current.CancellationToken);
            Assert.True(answer.StatusCode == HttpStatusCode.NotModified, header);
        }

        _git.CommitFile("specs/acme/dev/spec.yml", "metadata:\n  customer: acme\n  environment: dev\n");
        using var third = new HttpRequestMessage(HttpMethod.Get, "/api/pods");
        third.Headers.IfNoneMatch.Add(etag);
        using var changed = await Client.SendAsync(third, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task Reads_a_pod_with_schema_fields_values_and_its_file()
    {
        var (status, pod) = await Client.GetJsonAsync("/api/pods/acme/dev");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(_git.Show("main", AcmeDevPath), pod.Str("content"));
        var fields = pod.GetProperty("fields").EnumerateArray().ToDictionary(f => f.Str("path"));
        Assert.Equal("t3.small", fields["spec.compute.instance_type"].Str("value"));
        Assert.Contains("t3.large", fields["spec.compute.instance_type"].GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.True(fields["metadata.customer"].GetProperty("readOnly").GetBoolean());
        Assert.Equal("boolean", fields["spec.security.waf.enabled"].Str("type"));
    }

    [Fact]
    public async Task Preview_shows_the_diff_and_writes_nothing()
    {
        var version = await Client.VersionAsync("acme/dev");
        var branchesBefore = _git.Branches();

        var (status, preview) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.large", ["spec.security.waf.enabled"] = true } });

        Assert.Equal(HttpStatusCode.OK, status);
        var diff = preview.Str("diff");
        Assert.Contains("-    instance_type: t3.small\n+    instance_type: t3.large\n", diff, StringComparison.Ordinal);
        Assert.Contains("-      enabled: false\n+      enabled: true\n", diff, StringComparison.Ordinal);
        Assert.Equal(2, preview.GetProperty("changes").GetArrayLength());
        Assert.Equal(branchesBefore, _git.Branches());
    }

    [Fact]
    public async Task Saving_makes_one_commit_on_a_new_branch_and_a_change_request()
    {
        var version = await Client.VersionAsync("acme/dev");
        var mainBefore = _git.Head();
        var original = _git.Show("main", AcmeDevPath);

        var (status, change) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", new { version, values = new { spec_compute_instance_type = "unused" } is var _ ? new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.large" } : null, message = "Bigger box for acme dev" });

        Assert.Equal(HttpStatusCode.Created, status);
        var branch = change.Str("branch");
        Assert.Equal("open", change.Str("state"));
        Assert.Equal("Bigger box for acme dev", change.Str("title"));
        Assert.Equal(mainBefore, _git.Head());
        Assert.Equal(mainBefore, _git.Run("rev-parse", $"{branch}^").Trim());
        Assert.Equal("1", _git.Run("rev-list", "--count", $"main..{branch}").Trim());
        Assert.Equal(AcmeDevPath, _git.Run("diff", "--name-only", "main", branch).Trim());
        Assert.Equal(original.Replace("instance_type: t3.small", "instance_type: t3.large", StringComparison.Ordinal), _git.Show(branch, AcmeDevPath));

        var (_, listed) = await Client.GetJsonAsync("/api/changes?state=open");
        var entry = Assert.Single(listed.EnumerateArray());
        Assert.Equal(change.Str("id"), entry.Str("id"));
        Assert.Equal("Spec Editor User", entry.Str("author"));
        Assert.True(DateTimeOffset.UtcNow - entry.GetProperty("createdAt").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        var (_, detail) = await Client.GetJsonAsync($"/api/changes/{change.Str("id")}");
        Assert.Contains("+    instance_type: t3.large", detail.Str("diff"), StringComparison.Ordinal);
        var (_, pods) = await Client.GetJsonAsync("/api/pods");
        var marked = pods.GetProperty("pods").EnumerateArray().Single(p => p.Str("customer") == "acme" && p.Str("environment") == "dev");
        Assert.Equal(change.Str("id"), marked.GetProperty("openChange").Str("id"));
    }

    [Fact]
    public async Task A_spec_changed_since_it_was_read_is_a_conflict_with_the_diff_and_nothing_is_overwritten()
    {
        var version = await Client.VersionAsync("acme/dev");
        var outside = _git.Show("main", AcmeDevPath).Replace("owner: platform-team", "owner: someone-else", StringComparison.Ordinal);
        var outsideCommit = _git.CommitFile(AcmeDevPath, outside);
        var branchesBefore = _git.Branches();

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", Edit(version, "t3.large"));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("spec.conflict", problem.Code());
        Assert.Contains("-  owner: platform-team", problem.Str("diff"), StringComparison.Ordinal);
        Assert.Contains("+  owner: someone-else", problem.Str("diff"), StringComparison.Ordinal);
        Assert.Equal(_git.Run("rev-parse", $"main:{AcmeDevPath}").Trim(), problem.Str("currentVersion"));
        Assert.Equal(branchesBefore, _git.Branches());
        Assert.Equal(outsideCommit, _git.Head());
        var (_, changes) = await Client.GetJsonAsync("/api/changes");
        Assert.Equal(0, changes.GetArrayLength());
    }

    [Fact]
    public async Task A_second_open_change_for_a_pod_is_refused_with_a_link_to_the_first()
    {
        var version = await Client.VersionAsync("acme/dev");
        var (_, first) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", Edit(version, "t3.large"));

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", Edit(version, "t3.medium"));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("change.duplicate", problem.Code());
        Assert.Equal(first.Str("id"), problem.GetProperty("existingChange").Str("id"));
        Assert.Equal($"/changes/{first.Str("id")}", problem.GetProperty("existingChange").Str("url"));
        Assert.Single(_git.Branches(), b => b.StartsWith("changes/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Racing_saves_for_one_pod_open_exactly_one_change()
    {
        var version = await Client.VersionAsync("acme/dev");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Client.PostJsonAsync("/api/pods/acme/dev/changes", Edit(version, i % 2 == 0 ? "t3.large" : "t3.medium"))));

        Assert.Single(results, r => r.Status == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Equal("change.duplicate", r.Body.Code()));
        Assert.Single(_git.Branches(), b => b.StartsWith("changes/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_required_value_left_empty_in_the_file_can_be_filled_in()
    {
        _git.CommitFile(AcmeDevPath, "metadata:\n  customer: acme\n  environment: dev\nspec:\n  compute:\n    instance_name: acme-dev-app\n    instance_type:   # to be decided\n");
        var version = await Client.VersionAsync("acme/dev");

        var (status, preview) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.large" } });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("-    instance_type:   # to be decided\n+    instance_type: t3.large   # to be decided\n", preview.Str("diff"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_ending_in_a_line_break_breaks_the_pattern()
    {
        var version = await Client.VersionAsync("acme/dev");

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "acme-dev\n" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("spec.invalid", problem.Code());
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(("spec.compute.instance_name", "pattern"), (error.Str("path"), error.Str("rule")));
    }

    [Fact]
    public async Task A_save_that_changes_nothing_is_refused()
    {
        var version = await Client.VersionAsync("acme/dev");

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = "t3.small", ["spec.security.waf.enabled"] = false } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("change.no_op", problem.Code());
        Assert.Equal(["main"], _git.Branches());
    }

    [Fact]
    public async Task A_number_the_file_spells_1_0_or_1e3_given_again_is_no_change_and_is_not_rewritten()
    {
        _git.CommitFile("specs/spec.schema.yml", "type: object\nproperties:\n  spec:\n    type: object\n    properties:\n      ratio: {type: number}\n      scale: {type: number}\n");
        _git.CommitFile(AcmeDevPath, "spec:\n  ratio: 1.0\n  scale: 1e3\n");
        var version = await Client.VersionAsync("acme/dev");

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version, values = new Dictionary<string, object> { ["spec.ratio"] = "1.0", ["spec.scale"] = 1000 } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("change.no_op", problem.Code());
    }

    [Fact]
    public async Task Invalid_values_are_refused_with_the_field_and_rule()
    {
        var version = await Client.VersionAsync("acme/dev");

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/changes", new
        {
            version,
            values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "Not Valid", ["spec.compute.instance_type"] = "t9.huge", ["spec.nope"] = 1, ["metadata.customer"] = "globex" },
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("spec.invalid", problem.Code());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.Str("path"), e.Str("rule"))).ToHashSet();
        Assert.Contains(("spec.compute.instance_name", "pattern"), errors);
        Assert.Contains(("spec.compute.instance_type", "enum"), errors);
        Assert.Contains(("spec.nope", "unknown"), errors);
        Assert.Contains(("metadata.customer", "x-bind"), errors);
        Assert.Equal(["main"], _git.Branches());
    }

    [Fact]
    public async Task Creating_a_pod_proposes_its_new_file_and_refuses_existing_or_pending_ones()
    {
        var (status, change) = await Client.PostJsonAsync("/api/pods", new { customer = "newco", environment = "stg", values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "newco-stg-app" } });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("create", change.Str("kind"));
        var file = _git.Show(change.Str("branch"), "specs/newco/stg/spec.yml");
        Assert.Contains("customer: newco\n", file, StringComparison.Ordinal);
        Assert.Contains("environment: stg\n", file, StringComparison.Ordinal);
        Assert.Contains("instance_type: t3.small\n", file, StringComparison.Ordinal);

        var (existsStatus, exists) = await Client.PostJsonAsync("/api/pods", new { customer = "acme", environment = "dev", values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "x" } });
        Assert.Equal(HttpStatusCode.Conflict, existsStatus);
        Assert.Equal("pod.exists", exists.Code());
        var (pendingStatus, pending) = await Client.PostJsonAsync("/api/pods", new { customer = "newco", environment = "stg", values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "other" } });
        Assert.Equal(HttpStatusCode.Conflict, pendingStatus);
        Assert.Equal("change.duplicate", pending.Code());
    }

    [Theory]
    [InlineData("/api/pods/ACME/dev")]
    [InlineData("/api/pods/acme/qa")]
    [InlineData("/api/pods/acme_corp/dev")]
    [InlineData("/api/pods/..%2F..%2Fetc/dev")]
    public async Task Bad_pod_names_are_refused_before_any_path_is_built(string path)
    {
        var (status, problem) = await Client.GetJsonAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("pod.invalid_name", problem.Code());
    }

    [Theory]
    [InlineData("/api/pods/%2E%2E/dev")]
    public async Task Dot_segments_never_reach_a_pod(string path)
    {
        var (status, _) = await Client.GetJsonAsync(path);

        Assert.Contains(status, new[] { HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
    }

    [Fact]
    public async Task Creating_a_pod_with_path_tricks_in_its_name_is_refused()
    {
        var (status, problem) = await Client.PostJsonAsync("/api/pods", new { customer = "../../etc", environment = "dev", values = new Dictionary<string, object>() });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("customer", Assert.Single(problem.GetProperty("errors").EnumerateArray()).Str("path"));
        Assert.Equal(["main"], _git.Branches());
    }

    [Fact]
    public async Task Creating_a_pod_whose_name_ends_in_a_line_break_is_refused_as_an_invalid_name()
    {
        var (status, problem) = await Client.PostJsonAsync("/api/pods", new { customer = "newco\n", environment = "dev", values = new Dictionary<string, object> { ["spec.compute.instance_name"] = "newco-dev" } });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("pod.invalid_name", problem.Code());
        Assert.Equal(["main"], _git.Branches());
    }

    [Theory]
    [InlineData("metadata: [unclosed\n  customer: globex\n", "invalid YAML at line")]
    [InlineData("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "alias bomb")]
    [InlineData("- just\n- a list\n", "must be a mapping")]
    public async Task A_broken_spec_is_reported_for_that_pod_only(string content, string problemText)
    {
        _git.CommitFile("specs/globex/dev/spec.yml", content);

        var (status, list) = await Client.GetJsonAsync("/api/pods");
        Assert.Equal(HttpStatusCode.OK, status);
        var pods = list.GetProperty("pods").EnumerateArray().ToArray();
        var broken = pods.Single(p => p.Str("customer") == "globex" && p.Str("environment") == "dev");
        Assert.Equal("unreadable", broken.Str("status"));
        Assert.Contains(problemText, broken.Str("problem"), StringComparison.Ordinal);
        Assert.All(pods.Where(p => p.Str("customer") != "globex" || p.Str("environment") != "dev"), p => Assert.Equal("ok", p.Str("status")));

        var (readStatus, pod) = await Client.GetJsonAsync("/api/pods/globex/dev");
        Assert.Equal(HttpStatusCode.OK, readStatus);
        Assert.Equal(content, pod.Str("content"));
        var (previewStatus, problem) = await Client.PostJsonAsync("/api/pods/globex/dev/preview", Edit(pod.Str("version"), "t3.large"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, previewStatus);
        Assert.Equal("spec.unreadable", problem.Code());
        using var page = await Client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_spec_file_over_the_size_limit_is_not_read()
    {
        _git.CommitFile("specs/globex/dev/spec.yml", "metadata:\n  note: " + new string('x', 70_000) + "\n");

        var (_, pod) = await Client.GetJsonAsync("/api/pods/globex/dev");

        Assert.Equal("unreadable", pod.Str("status"));
        Assert.Contains("MAX_SPEC_BYTES", pod.Str("problem"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_request_body_is_refused_with_413()
    {
        using var content = new StringContent("{\"version\":\"" + new string('a', 2_000_000) + "\"}", System.Text.Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync("/api/pods/acme/dev/preview", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("request.too_large", problem.Code());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync("/api/pods/acme/dev/preview", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_repository_schema_changes_the_form_and_the_rules()
    {
        _git.CommitFile("specs/spec.schema.yml", """
            type: object
            properties:
              metadata:
                type: object
                properties:
                  customer: {type: string, x-bind: customer}
                  environment: {type: string, x-bind: environment}
              spec:
                type: object
                properties:
                  compute:
                    type: object
                    properties:
                      instance_type: {type: string, enum: [t3.small, t3.xlarge]}
                      replicas: {type: integer, minimum: 1, maximum: 5, title: Replicas}
            """);

        var (_, pod) = await Client.GetJsonAsync("/api/pods/acme/dev");
        var fields = pod.GetProperty("fields").EnumerateArray().Select(f => f.Str("path")).ToArray();
        Assert.Contains("spec.compute.replicas", fields);
        Assert.DoesNotContain("spec.compute.instance_name", fields);

        var (status, problem) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version = pod.Str("version"), values = new Dictionary<string, object> { ["spec.compute.replicas"] = 9 } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("maximum", Assert.Single(problem.GetProperty("errors").EnumerateArray()).Str("rule"));
        var (okStatus, preview) = await Client.PostJsonAsync("/api/pods/acme/dev/preview", new { version = pod.Str("version"), values = new Dictionary<string, object> { ["spec.compute.replicas"] = 3, ["spec.compute.instance_type"] = "t3.xlarge" } });
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains("+    replicas: 3", preview.Str("diff"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_repository_schema_is_reported_and_the_pod_list_still_works()
    {
        _git.CommitFile("specs/spec.schema.yml", "type: object\nproperties:\n  a: {type: text}\n");

        var (listStatus, _) = await Client.GetJsonAsync("/api/pods");
        var (_, pod) = await Client.GetJsonAsync("/api/pods/acme/dev");

        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal("unreadable", pod.Str("status"));
        Assert.Contains("schema is invalid", pod.Str("problem"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var (status, document) = await Client.GetJsonAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, status);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Contains("/api/pods", paths);
        Assert.Contains("/api/pods/{customer}/{environment}/changes", paths);
        Assert.Contains("/api/changes/{id}", paths);
    }

    [Fact]
    public async Task Unknown_api_routes_are_404_problems()
    {
        var (status, problem) = await Client.GetJsonAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("http.not_found", problem.Code());
    }

    private static object Edit(string version, string instanceType) =>
        new { version, values = new Dictionary<string, object> { ["spec.compute.instance_type"] = instanceType } };
}
