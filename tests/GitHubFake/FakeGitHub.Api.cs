using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace SpecEditor.GitHubFake;

public sealed partial class FakeGitHub
{
    /// <summary>Runs one API request against the fake's state (under the lock).</summary>
    private Answer Route(string method, string path, IQueryCollection query, string? body, FakeToken? credential)
    {
        var user = credential?.User;
        switch (method, path)
        {
            case ("GET", "/rate_limit"):
                return RateLimitAnswer(user);
            case ("GET", "/user"):
                return user is null ? Error(401, "Requires authentication", "/users/users#get-the-authenticated-user") : new Answer(200, UserJson(user, full: true));
            case ("GET", "/user/orgs"):
                return user is null ? Error(401, "Requires authentication", "/orgs") : MissingScope(credential!, "read:org") ?? Paged(
                    user.Orgs.Select(o => (JsonNode)new JsonObject { ["login"] = o, ["id"] = StableId(o), ["node_id"] = "O_" + o, ["url"] = Api($"orgs/{o}") }).ToArray(), "user/orgs", query);
            case ("GET", "/user/teams"):
                return user is null ? Error(401, "Requires authentication", "/teams") : MissingScope(credential!, "read:org") ?? Paged(
                    user.Teams.Select(t => (JsonNode)TeamJson(t)).ToArray(), "user/teams", query);
        }

        var match = RepoPath().Match(path);
        if (!match.Success)
        {
            return Error(404, "Not Found", "");
        }

        var repository = _repositories.FirstOrDefault(r => string.Equals(r.FullName, $"{match.Groups[1].Value}/{match.Groups[2].Value}", StringComparison.OrdinalIgnoreCase));
        if (repository is null || (repository.Private && !CanRead(credential)))
        {
            var hidden = Error(404, "Not Found", "/repos/repos#get-a-repository");
            if (repository is not null && credential is not null)
            {
                hidden.Headers["X-Accepted-OAuth-Scopes"] = "repo";
            }

            return hidden;
        }

        var rest = match.Groups[3].Value;
        if (method != "GET" && Unwritable(repository, credential) is { } refused)
        {
            return refused;
        }

        var request = Parse(body);
        return (method, rest) switch
        {
            ("GET", "") => new Answer(200, RepositoryJson(repository, user)),
            ("GET", var r) when r.StartsWith("/git/trees/", StringComparison.Ordinal) => GetTree(repository, Uri.UnescapeDataString(r["/git/trees/".Length..]), query["recursive"].Count > 0),
            ("POST", "/git/trees") => CreateTree(repository, request),
            ("GET", var r) when r.StartsWith("/git/blobs/", StringComparison.Ordinal) => GetBlob(repository, r["/git/blobs/".Length..]),
            ("POST", "/git/blobs") => CreateBlob(repository, request),
            ("GET", var r) when r.StartsWith("/git/commits/", StringComparison.Ordinal) => GetGitCommit(repository, r["/git/commits/".Length..]),
            ("POST", "/git/commits") => CreateCommit(repository, request, user!),
            ("GET", var r) when r.StartsWith("/git/ref/", StringComparison.Ordinal) => GetRef(repository, "refs/" + Uri.UnescapeDataString(r["/git/ref/".Length..])),
            ("GET", var r) when r.StartsWith("/git/refs/", StringComparison.Ordinal) => GetRef(repository, "refs/" + Uri.UnescapeDataString(r["/git/refs/".Length..])),
            ("POST", "/git/refs") => CreateRef(repository, request),
            ("PATCH", var r) when r.StartsWith("/git/refs/", StringComparison.Ordinal) => UpdateRef(repository, "refs/" + Uri.UnescapeDataString(r["/git/refs/".Length..]), request),
            ("GET", "/commits") => ListCommits(repository, query),
            ("GET", var r) when r.StartsWith("/commits/", StringComparison.Ordinal) => CommitResource(repository, Uri.UnescapeDataString(r["/commits/".Length..]), query),
            ("GET", "/pulls") => ListPulls(repository, query),
            ("POST", "/pulls") => CreatePull(repository, request, user!),
            ("GET", var r) when PullPath().Match(r) is { Success: true } pull => GetPull(repository, int.Parse(pull.Groups[1].Value, CultureInfo.InvariantCulture), pull.Groups[2].Value),
            ("GET", var r) when r.StartsWith("/contents/", StringComparison.Ordinal) => GetContents(repository, Uri.UnescapeDataString(r["/contents/".Length..]), query["ref"].ToString()),
            ("GET", "/actions/runs") => ListRuns(repository, repository.Runs, query),
            ("GET", var r) when RunPath().Match(r) is { Success: true } run => GetRun(repository, long.Parse(run.Groups[1].Value, CultureInfo.InvariantCulture)),
            ("GET", var r) when WorkflowPath().Match(r) is { Success: true, Groups: var g } && g[2].Value == "runs" =>
                repository.Workflows.ContainsKey(Uri.UnescapeDataString(g[1].Value))
                    ? ListRuns(repository, repository.Runs.Where(x => x.Workflow == Uri.UnescapeDataString(g[1].Value)), query)
                    : Error(404, "Not Found", "/actions/workflows"),
            ("POST", var r) when WorkflowPath().Match(r) is { Success: true, Groups: var g } && g[2].Value == "dispatches" =>
                Dispatch(repository, Uri.UnescapeDataString(g[1].Value), request, user!),
            _ => Error(404, "Not Found", ""),
        };
    }

    private static bool CanRead(FakeToken? credential) => credential is not null && credential.Scopes.Contains("repo");

    private static Answer? MissingScope(FakeToken credential, string scope)
    {
        if (credential.Scopes.Contains(scope) || credential.Scopes.Contains("admin:org"))
        {
            return null;
        }

        var answer = Error(403, "Resource not accessible by personal access token", "/orgs");
        answer.Headers["X-Accepted-OAuth-Scopes"] = $"admin:org, {scope}";
        return answer;
    }

    /// <summary>Writes need a user with write access and a token with the repo scope (public_repo for public repositories).</summary>
    private static Answer? Unwritable(FakeRepository repository, FakeToken? credential)
    {
        if (credential is null)
        {
            return Error(401, "Requires authentication", "/repos");
        }

        var scopes = repository.Private ? ["repo"] : (string[])["repo", "public_repo"];
        if (!credential.Scopes.Any(scopes.Contains))
        {
            // GitHub hides private repositories from tokens that may not see them, and names the scope it wanted.
            var answer = repository.Private ? Error(404, "Not Found", "/repos") : Error(403, "Resource not accessible by personal access token", "/repos");
            answer.Headers["X-Accepted-OAuth-Scopes"] = string.Join(", ", scopes);
            return answer;
        }

        if (repository.Writers is { } writers && !writers.Contains(credential.User.Login))
        {
            return Error(403, $"Permission to {repository.FullName}.git denied to {credential.User.Login}.", "/repos");
        }

        return null;
    }

    private Answer RateLimitAnswer(FakeUser? user)
    {
        var limit = RateLimitOf(user?.Login);
        JsonObject Resource() => new()
        {
            ["limit"] = limit.Limit,
            ["used"] = limit.Limit - Math.Max(0, limit.Remaining),
            ["remaining"] = Math.Max(0, limit.Remaining),
            ["reset"] = limit.Reset.ToUnixTimeSeconds(),
        };
        return new Answer(200, new JsonObject
        {
            ["resources"] = new JsonObject { ["core"] = Resource(), ["search"] = Resource(), ["graphql"] = Resource() },
            ["rate"] = Resource(),
        });
    }

    private Answer GetTree(FakeRepository repository, string reference, bool recursive)
    {
        var sha = Resolve(repository, reference);
        var tree = sha is null ? null : repository.Objects.Commit(sha)?.Tree ?? (repository.Objects.Tree(sha) is not null ? sha : null);
        if (tree is null)
        {
            return Error(404, "Not Found", "/git/trees#get-a-tree");
        }

        var entries = new JsonArray();
        if (recursive)
        {
            repository.Objects.Walk(tree, "", (path, entry) => entries.Add(TreeEntryJson(repository, path, entry)));
        }
        else
        {
            foreach (var entry in repository.Objects.Tree(tree)!)
            {
                entries.Add(TreeEntryJson(repository, entry.Name, entry));
            }
        }

        var truncated = recursive && repository.TruncateTreesOver is { } max && entries.Count > max;
        if (truncated)
        {
            while (entries.Count > repository.TruncateTreesOver!.Value)
            {
                entries.RemoveAt(entries.Count - 1);
            }
        }

        return new Answer(200, new JsonObject { ["sha"] = tree, ["url"] = Api($"repos/{repository.FullName}/git/trees/{tree}"), ["tree"] = entries, ["truncated"] = truncated });
    }

    private JsonObject TreeEntryJson(FakeRepository repository, string path, TreeEntry entry)
    {
        var json = new JsonObject { ["path"] = path, ["mode"] = entry.Mode, ["type"] = entry.Type, ["sha"] = entry.Sha };
        if (entry.Type == "blob")
        {
            json["size"] = repository.Objects.Blob(entry.Sha)!.Length;
        }

        json["url"] = Api($"repos/{repository.FullName}/git/{entry.Type}s/{entry.Sha}");
        return json;
    }

    private Answer CreateTree(FakeRepository repository, JsonNode? request)
    {
        var baseTree = request?["base_tree"]?.GetValue<string>();
        if (baseTree is not null && repository.Objects.Tree(baseTree) is null)
        {
            return Error(422, "Invalid tree info", "/git/trees#create-a-tree");
        }

        var files = baseTree is null ? new Dictionary<string, (string Mode, string Sha)>(StringComparer.Ordinal) : repository.Objects.Flatten(baseTree);
        foreach (var item in request?["tree"]?.AsArray() ?? [])
        {
            var path = item!["path"]!.GetValue<string>();
            var sha = item["sha"]?.GetValue<string?>();
            var content = item["content"]?.GetValue<string>();
            if (content is not null)
            {
                files[path] = (item["mode"]?.GetValue<string>() ?? "100644", repository.Objects.AddBlob(Encoding.UTF8.GetBytes(content)));
            }
            else if (sha is null)
            {
                files.Remove(path);
            }
            else if (repository.Objects.Blob(sha) is null)
            {
                return Error(422, "Invalid tree info", "/git/trees#create-a-tree");
            }
            else
            {
                files[path] = (item["mode"]?.GetValue<string>() ?? "100644", sha);
            }
        }

        var tree = repository.Objects.BuildTree(files);
        var answer = GetTree(repository, tree, recursive: false);
        return answer with { Status = 201 };
    }

    private Answer GetBlob(FakeRepository repository, string sha)
    {
        var content = repository.Objects.Blob(sha);
        if (content is null)
        {
            return Error(404, "Not Found", "/git/blobs#get-a-blob");
        }

        // GitHub wraps the base64 at 60 characters, as the documentation's example shows.
        var encoded = Regex.Replace(Convert.ToBase64String(content), ".{1,60}", "$0\n");
        return new Answer(200, new JsonObject
        {
            ["sha"] = sha,
            ["node_id"] = "B_" + sha[..12],
            ["size"] = content.Length,
            ["url"] = Api($"repos/{repository.FullName}/git/blobs/{sha}"),
            ["content"] = encoded,
            ["encoding"] = "base64",
        });
    }

    private Answer CreateBlob(FakeRepository repository, JsonNode? request)
    {
        var content = request?["content"]?.GetValue<string>();
        if (content is null)
        {
            return Error(422, "Invalid request.\n\n\"content\" wasn't supplied.", "/git/blobs#create-a-blob");
        }

        var bytes = request!["encoding"]?.GetValue<string>() == "base64" ? Convert.FromBase64String(content) : Encoding.UTF8.GetBytes(content);
        var sha = repository.Objects.AddBlob(bytes);
        return new Answer(201, new JsonObject { ["sha"] = sha, ["url"] = Api($"repos/{repository.FullName}/git/blobs/{sha}") });
    }

    private Answer GetGitCommit(FakeRepository repository, string sha) =>
        repository.Objects.Commit(sha) is { } commit ? new Answer(200, GitCommitJson(repository, commit)) : Error(404, "Not Found", "/git/commits#get-a-commit-object");

    private Answer CreateCommit(FakeRepository repository, JsonNode? request, FakeUser user)
    {
        var tree = request?["tree"]?.GetValue<string>();
        var parents = request?["parents"]?.AsArray().Select(p => p!.GetValue<string>()).ToArray() ?? [];
        if (tree is null || repository.Objects.Tree(tree) is null || parents.Any(p => repository.Objects.Commit(p) is null))
        {
            return Error(422, "Tree SHA does not exist", "/git/commits#create-a-commit");
        }

        // Without an author, GitHub records the token's user: the commit is theirs.
        var author = request!["author"];
        var name = author?["name"]?.GetValue<string>() ?? user.Name ?? user.Login;
        var email = author?["email"]?.GetValue<string>() ?? user.Email ?? user.NoReplyEmail;
        var sha = repository.Objects.AddCommit(tree, parents, request["message"]?.GetValue<string>() ?? "", name, email, Clock.GetUtcNow(), user.Login);
        return new Answer(201, GitCommitJson(repository, repository.Objects.Commit(sha)!));
    }

    private JsonObject GitCommitJson(FakeRepository repository, GitCommit commit) => new()
    {
        ["sha"] = commit.Sha,
        ["node_id"] = "C_" + commit.Sha[..12],
        ["url"] = Api($"repos/{repository.FullName}/git/commits/{commit.Sha}"),
        ["html_url"] = Web($"{repository.FullName}/commit/{commit.Sha}"),
        ["author"] = Signature(commit),
        ["committer"] = Signature(commit),
        ["message"] = commit.Message,
        ["tree"] = new JsonObject { ["sha"] = commit.Tree, ["url"] = Api($"repos/{repository.FullName}/git/trees/{commit.Tree}") },
        ["parents"] = new JsonArray(commit.Parents.Select(p => (JsonNode)new JsonObject
        {
            ["sha"] = p,
            ["url"] = Api($"repos/{repository.FullName}/git/commits/{p}"),
            ["html_url"] = Web($"{repository.FullName}/commit/{p}"),
        }).ToArray()),
        ["verification"] = new JsonObject { ["verified"] = false, ["reason"] = "unsigned", ["signature"] = null, ["payload"] = null },
    };

    private static JsonObject Signature(GitCommit commit) =>
        new() { ["name"] = commit.AuthorName, ["email"] = commit.AuthorEmail, ["date"] = Time(commit.Date) };

    private Answer GetRef(FakeRepository repository, string name) =>
        repository.Refs.TryGetValue(name, out var sha) ? new Answer(200, RefJson(repository, name, sha)) : Error(404, "Not Found", "/git/refs#get-a-reference");

    private Answer CreateRef(FakeRepository repository, JsonNode? request)
    {
        var name = request?["ref"]?.GetValue<string>();
        var sha = request?["sha"]?.GetValue<string>();
        if (name is null || !name.StartsWith("refs/", StringComparison.Ordinal) || name.Count(c => c == '/') < 2)
        {
            return Error(422, "Reference update failed", "/git/refs#create-a-reference");
        }

        if (repository.Refs.ContainsKey(name))
        {
            return Error(422, "Reference already exists", "/git/refs#create-a-reference");
        }

        if (sha is null || repository.Objects.Commit(sha) is null)
        {
            return Error(422, "Object does not exist", "/git/refs#create-a-reference");
        }

        if (name.StartsWith("refs/heads/", StringComparison.Ordinal) && repository.RestrictedBranches?.IsMatch(name["refs/heads/".Length..]) == true)
        {
            return Error(422, "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n", "/repos/rules");
        }

        repository.Refs[name] = sha;
        return new Answer(201, RefJson(repository, name, sha));
    }

    private Answer UpdateRef(FakeRepository repository, string name, JsonNode? request)
    {
        var sha = request?["sha"]?.GetValue<string>();
        if (!repository.Refs.TryGetValue(name, out var current))
        {
            return Error(422, "Reference does not exist", "/git/refs#update-a-reference");
        }

        if (sha is null || repository.Objects.Commit(sha) is null)
        {
            return Error(422, "Object does not exist", "/git/refs#update-a-reference");
        }

        var force = request!["force"]?.GetValue<bool>() ?? false;
        if (!force && !IsAncestor(repository, current, sha))
        {
            return Error(422, "Update is not a fast forward", "/git/refs#update-a-reference");
        }

        repository.Refs[name] = sha;
        return new Answer(200, RefJson(repository, name, sha));
    }

    private static bool IsAncestor(FakeRepository repository, string ancestor, string of)
    {
        var pending = new Stack<string>([of]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var sha))
        {
            if (sha == ancestor)
            {
                return true;
            }

            if (seen.Add(sha))
            {
                foreach (var parent in repository.Objects.Commit(sha)?.Parents ?? [])
                {
                    pending.Push(parent);
                }
            }
        }

        return false;
    }

    private JsonObject RefJson(FakeRepository repository, string name, string sha) => new()
    {
        ["ref"] = name,
        ["node_id"] = "R_" + sha[..12],
        ["url"] = Api($"repos/{repository.FullName}/git/{name}"),
        ["object"] = new JsonObject { ["sha"] = sha, ["type"] = "commit", ["url"] = Api($"repos/{repository.FullName}/git/commits/{sha}") },
    };

    /// <summary>GET /commits: first-parent history from <c>sha</c> (default branch), only commits that changed <c>path</c> when given.</summary>
    private Answer ListCommits(FakeRepository repository, IQueryCollection query)
    {
        var start = Resolve(repository, query["sha"].Count > 0 ? query["sha"].ToString() : repository.DefaultBranch);
        if (start is null)
        {
            return Error(404, "Not Found", "/commits/commits#list-commits");
        }

        var path = query["path"].Count > 0 ? query["path"].ToString() : null;
        var perPage = PerPage(query, 30);
        var commits = new JsonArray();
        for (var sha = start; sha is not null && commits.Count < perPage;)
        {
            var commit = repository.Objects.Commit(sha)!;
            var parent = commit.Parents.Count > 0 ? commit.Parents[0] : null;
            if (path is null || FileSha(repository, sha, path) != (parent is null ? null : FileSha(repository, parent, path)))
            {
                commits.Add(CommitJson(repository, commit, withFiles: false));
            }

            sha = parent;
        }

        return new Answer(200, commits);
    }

    private Answer CommitResource(FakeRepository repository, string rest, IQueryCollection query)
    {
        var parts = rest.Split('/');
        var sha = Resolve(repository, parts[0]);
        if (sha is null || repository.Objects.Commit(sha) is not { } commit)
        {
            return Error(422, $"No commit found for SHA: {parts[0]}", "/commits/commits#get-a-commit");
        }

        if (parts.Length == 1)
        {
            return new Answer(200, CommitJson(repository, commit, withFiles: true));
        }

        if (parts[1] == "check-runs")
        {
            var runs = repository.CheckRuns.Where(c => c.Sha == sha).Take(PerPage(query, 30)).Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["head_sha"] = c.Sha,
                ["node_id"] = "CR_" + c.Id,
                ["name"] = c.Name,
                ["status"] = c.Status,
                ["conclusion"] = c.Conclusion,
                ["url"] = Api($"repos/{repository.FullName}/check-runs/{c.Id}"),
                ["html_url"] = Web($"{repository.FullName}/runs/{c.Id}"),
                ["details_url"] = Web($"{repository.FullName}/runs/{c.Id}"),
                ["started_at"] = Time(c.At),
                ["completed_at"] = c.Status == "completed" ? Time(c.At) : null,
            }).ToArray();
            return new Answer(200, new JsonObject { ["total_count"] = runs.Length, ["check_runs"] = new JsonArray(runs) });
        }

        if (parts[1] == "status")
        {
            var statuses = repository.Statuses.Where(s => s.Sha == sha).ToArray();
            var state = statuses.Length == 0 ? "pending"
                : statuses.Any(s => s.State is "failure" or "error") ? "failure"
                : statuses.Any(s => s.State == "pending") ? "pending" : "success";
            return new Answer(200, new JsonObject
            {
                ["state"] = state,
                ["sha"] = sha,
                ["total_count"] = statuses.Length,
                ["statuses"] = new JsonArray(statuses.Select(s => (JsonNode)new JsonObject
                {
                    ["id"] = s.Id,
                    ["node_id"] = "S_" + s.Id,
                    ["state"] = s.State,
                    ["context"] = s.Context,
                    ["description"] = s.Context,
                    ["target_url"] = s.TargetUrl,
                    ["created_at"] = Time(s.At),
                    ["updated_at"] = Time(s.At),
                }).ToArray()),
                ["repository"] = RepositoryJson(repository, null),
            });
        }

        return Error(404, "Not Found", "");
    }

    private JsonObject CommitJson(FakeRepository repository, GitCommit commit, bool withFiles)
    {
        var json = new JsonObject
        {
            ["sha"] = commit.Sha,
            ["node_id"] = "C_" + commit.Sha[..12],
            ["url"] = Api($"repos/{repository.FullName}/commits/{commit.Sha}"),
            ["html_url"] = Web($"{repository.FullName}/commit/{commit.Sha}"),
            ["commit"] = new JsonObject
            {
                ["author"] = Signature(commit),
                ["committer"] = Signature(commit),
                ["message"] = commit.Message,
                ["tree"] = new JsonObject { ["sha"] = commit.Tree, ["url"] = Api($"repos/{repository.FullName}/git/trees/{commit.Tree}") },
                ["comment_count"] = 0,
            },
            ["author"] = commit.AuthorLogin is { } login ? new JsonObject { ["login"] = login, ["id"] = StableId(login), ["type"] = "User" } : null,
            ["parents"] = new JsonArray(commit.Parents.Select(p => (JsonNode)new JsonObject { ["sha"] = p, ["url"] = Api($"repos/{repository.FullName}/commits/{p}") }).ToArray()),
        };
        if (withFiles)
        {
            json["files"] = new JsonArray();
            json["stats"] = new JsonObject { ["total"] = 0, ["additions"] = 0, ["deletions"] = 0 };
        }

        return json;
    }

    private Answer ListPulls(FakeRepository repository, IQueryCollection query)
    {
        var state = query["state"].Count > 0 ? query["state"].ToString() : "open";
        IEnumerable<FakePull> pulls = repository.Pulls;
        if (state != "all")
        {
            pulls = pulls.Where(p => p.State == state);
        }

        if (query["base"].Count > 0)
        {
            pulls = pulls.Where(p => p.Base == query["base"].ToString());
        }

        if (query["head"].Count > 0)
        {
            var head = query["head"].ToString().Split(':', 2);
            pulls = pulls.Where(p => head.Length == 2 && head[0].Equals(repository.Owner, StringComparison.OrdinalIgnoreCase) && p.Head == head[1]);
        }

        pulls = query["direction"].ToString() == "asc" ? pulls.OrderBy(p => p.Number) : pulls.OrderByDescending(p => p.Number);
        return Paged(pulls.Select(p => (JsonNode)PullJson(repository, p)).ToArray(), $"repos/{repository.FullName}/pulls", query);
    }

    /// <summary>One page of a listing as GitHub pages it: <c>per_page</c> (30 by default, at most 100), <c>page</c>, and a <c>Link: rel="next"</c> header while more follow.</summary>
    private Answer Paged(JsonNode[] all, string path, IQueryCollection query)
    {
        var perPage = PerPage(query, 30);
        var page = int.TryParse(query["page"], out var number) && number > 0 ? number : 1;
        var answer = new Answer(200, new JsonArray(all.Skip((page - 1) * perPage).Take(perPage).ToArray()));
        if (all.Length > page * perPage)
        {
            answer.Headers["Link"] = $"<{new Uri(ApiUrl, $"{path}?{QueryWithPage(query, page + 1)}")}>; rel=\"next\"";
        }

        return answer;
    }

    private Answer CreatePull(FakeRepository repository, JsonNode? request, FakeUser user)
    {
        var head = request?["head"]?.GetValue<string>() ?? "";
        var @base = request?["base"]?.GetValue<string>() ?? "";
        var title = request?["title"]?.GetValue<string>();
        var headSha = repository.BranchSha(head);
        var baseSha = repository.BranchSha(@base);
        if (title is null || headSha is null || baseSha is null)
        {
            return ValidationFailed("PullRequest", headSha is null ? "head" : "base", "invalid", null, "/pulls/pulls#create-a-pull-request");
        }

        if (repository.Pulls.Any(p => p.State == "open" && p.Head == head && p.Base == @base))
        {
            return ValidationFailed("PullRequest", null, "custom", $"A pull request already exists for {repository.Owner}:{head}.", "/pulls/pulls#create-a-pull-request");
        }

        if (IsAncestor(repository, headSha, baseSha))
        {
            return ValidationFailed("PullRequest", null, "custom", $"No commits between {@base} and {head}", "/pulls/pulls#create-a-pull-request");
        }

        var now = Clock.GetUtcNow();
        var pull = new FakePull
        {
            Id = NextId(),
            Number = repository.Pulls.Count + 1,
            Title = title,
            Body = request!["body"]?.GetValue<string>(),
            Head = head,
            Base = @base,
            BaseSha = baseSha,
            Author = user,
            Draft = request["draft"]?.GetValue<bool>() ?? false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        repository.Pulls.Add(pull);
        return new Answer(201, PullJson(repository, pull));
    }

    private Answer GetPull(FakeRepository repository, int number, string part)
    {
        var pull = repository.Pulls.FirstOrDefault(p => p.Number == number);
        if (pull is null)
        {
            return Error(404, "Not Found", "/pulls/pulls#get-a-pull-request");
        }

        if (part == "/reviews")
        {
            return new Answer(200, new JsonArray(pull.Reviews.Select(r => (JsonNode)new JsonObject
            {
                ["id"] = r.Id,
                ["node_id"] = "PRR_" + r.Id,
                ["user"] = new JsonObject { ["login"] = r.Login, ["id"] = StableId(r.Login), ["type"] = "User" },
                ["body"] = "",
                ["state"] = r.State,
                ["html_url"] = Web($"{repository.FullName}/pull/{number}#pullrequestreview-{r.Id}"),
                ["pull_request_url"] = Api($"repos/{repository.FullName}/pulls/{number}"),
                ["submitted_at"] = Time(r.SubmittedAt),
                ["commit_id"] = repository.BranchSha(pull.Head),
                ["author_association"] = "MEMBER",
            }).ToArray()));
        }

        return part.Length == 0 ? new Answer(200, PullJson(repository, pull)) : Error(404, "Not Found", "");
    }

    private JsonObject PullJson(FakeRepository repository, FakePull pull)
    {
        var headSha = repository.BranchSha(pull.Head) ?? "";
        return new JsonObject
        {
            ["id"] = pull.Id,
            ["node_id"] = "PR_" + pull.Id,
            ["number"] = pull.Number,
            ["state"] = pull.State,
            ["locked"] = false,
            ["title"] = pull.Title,
            ["body"] = pull.Body,
            ["user"] = UserJson(pull.Author, full: false),
            ["created_at"] = Time(pull.CreatedAt),
            ["updated_at"] = Time(pull.UpdatedAt),
            ["closed_at"] = pull.ClosedAt is { } closed ? Time(closed) : null,
            ["merged_at"] = pull.MergedAt is { } merged ? Time(merged) : null,
            ["merge_commit_sha"] = pull.MergeCommitSha,
            ["draft"] = pull.Draft,
            ["url"] = Api($"repos/{repository.FullName}/pulls/{pull.Number}"),
            ["html_url"] = Web($"{repository.FullName}/pull/{pull.Number}"),
            ["head"] = new JsonObject
            {
                ["label"] = $"{repository.Owner}:{pull.Head}",
                ["ref"] = pull.Head,
                ["sha"] = headSha,
                ["repo"] = RepositoryJson(repository, null),
            },
            ["base"] = new JsonObject
            {
                ["label"] = $"{repository.Owner}:{pull.Base}",
                ["ref"] = pull.Base,
                ["sha"] = pull.BaseSha,
                ["repo"] = RepositoryJson(repository, null),
            },
            ["requested_reviewers"] = new JsonArray(pull.RequestedReviewers.Select(r => (JsonNode)new JsonObject { ["login"] = r, ["id"] = StableId(r) }).ToArray()),
            ["requested_teams"] = new JsonArray(),
        };
    }

    private Answer GetContents(FakeRepository repository, string path, string reference)
    {
        var sha = Resolve(repository, reference.Length > 0 ? reference : repository.DefaultBranch);
        var blob = sha is null ? null : FileSha(repository, sha, path);
        if (blob is null)
        {
            return Error(404, "Not Found", "/repos/contents#get-repository-content");
        }

        var content = repository.Objects.Blob(blob)!;
        return new Answer(200, new JsonObject
        {
            ["type"] = "file",
            ["encoding"] = "base64",
            ["size"] = content.Length,
            ["name"] = path.Split('/')[^1],
            ["path"] = path,
            ["content"] = Convert.ToBase64String(content),
            ["sha"] = blob,
            ["url"] = Api($"repos/{repository.FullName}/contents/{path}"),
            ["html_url"] = Web($"{repository.FullName}/blob/{reference}/{path}"),
            ["git_url"] = Api($"repos/{repository.FullName}/git/blobs/{blob}"),
        });
    }

    private Answer ListRuns(FakeRepository repository, IEnumerable<FakeRun> runs, IQueryCollection query)
    {
        if (query["branch"].Count > 0)
        {
            runs = runs.Where(r => r.Branch == query["branch"].ToString());
        }

        if (query["event"].Count > 0)
        {
            runs = runs.Where(r => r.Event == query["event"].ToString());
        }

        if (query["actor"].Count > 0)
        {
            runs = runs.Where(r => r.Actor == query["actor"].ToString());
        }

        var list = runs.OrderByDescending(r => r.Id).ToArray();
        return new Answer(200, new JsonObject
        {
            ["total_count"] = list.Length,
            ["workflow_runs"] = new JsonArray(list.Take(PerPage(query, 30)).Select(r => (JsonNode)RunJson(repository, r)).ToArray()),
        });
    }

    private Answer GetRun(FakeRepository repository, long id) =>
        repository.Runs.FirstOrDefault(r => r.Id == id) is { } run ? new Answer(200, RunJson(repository, run)) : Error(404, "Not Found", "/actions/workflow-runs#get-a-workflow-run");

    private JsonObject RunJson(FakeRepository repository, FakeRun run) => new()
    {
        ["id"] = run.Id,
        ["name"] = run.Name,
        ["node_id"] = "WFR_" + run.Id,
        ["head_branch"] = run.Branch,
        ["head_sha"] = run.HeadSha,
        ["path"] = ".github/workflows/" + run.Workflow,
        ["display_title"] = run.Event == "workflow_dispatch" ? $"{run.Name} by {run.Actor}" : run.Name,
        ["run_number"] = run.RunNumber,
        ["event"] = run.Event,
        ["status"] = run.Status,
        ["conclusion"] = run.Conclusion,
        ["workflow_id"] = StableId(run.Workflow),
        ["url"] = Api($"repos/{repository.FullName}/actions/runs/{run.Id}"),
        ["html_url"] = Web($"{repository.FullName}/actions/runs/{run.Id}"),
        ["pull_requests"] = new JsonArray(),
        ["created_at"] = Time(run.CreatedAt),
        ["updated_at"] = Time(run.UpdatedAt),
        ["run_started_at"] = Time(run.CreatedAt),
        ["run_attempt"] = 1,
        ["actor"] = new JsonObject { ["login"] = run.Actor, ["id"] = StableId(run.Actor) },
        ["triggering_actor"] = new JsonObject { ["login"] = run.Actor, ["id"] = StableId(run.Actor) },
    };

    /// <summary>workflow_dispatch: the workflow must exist and declare the inputs; the run is queued on the given ref.</summary>
    private Answer Dispatch(FakeRepository repository, string workflow, JsonNode? request, FakeUser user)
    {
        if (!repository.Workflows.TryGetValue(workflow, out var declared))
        {
            return Error(404, "Not Found", "/actions/workflows#create-a-workflow-dispatch-event");
        }

        var reference = request?["ref"]?.GetValue<string>() ?? "";
        if (repository.BranchSha(reference) is null)
        {
            return Error(422, $"No ref found for: {reference}", "/actions/workflows#create-a-workflow-dispatch-event");
        }

        var wantsDetails = request!["return_run_details"] is not null;
        if (wantsDetails && !repository.SupportsRunDetails)
        {
            return Error(422, "Invalid request.\n\n\"return_run_details\" is not a permitted key.", "/actions/workflows#create-a-workflow-dispatch-event");
        }

        var inputs = request["inputs"]?.AsObject().ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal) ?? [];
        var unexpected = inputs.Keys.Where(k => !declared.Contains(k)).ToArray();
        if (unexpected.Length > 0)
        {
            return Error(422, $"Unexpected inputs provided: [{string.Join(", ", unexpected.Select(u => $"\"{u}\""))}]", "/actions/workflows#create-a-workflow-dispatch-event");
        }

        var now = Clock.GetUtcNow();
        var run = new FakeRun
        {
            Id = NextId(),
            Name = Path.GetFileNameWithoutExtension(workflow),
            Workflow = workflow,
            Branch = reference,
            HeadSha = repository.BranchSha(reference)!,
            Event = "workflow_dispatch",
            Actor = user.Login,
            CreatedAt = now,
            UpdatedAt = now,
            RunNumber = repository.Runs.Count + 1,
            Inputs = inputs,
        };
        repository.Runs.Add(run);
        return wantsDetails && request["return_run_details"]!.GetValue<bool>()
            ? new Answer(200, new JsonObject
            {
                ["workflow_run_id"] = run.Id,
                ["run_url"] = Api($"repos/{repository.FullName}/actions/runs/{run.Id}"),
                ["html_url"] = Web($"{repository.FullName}/actions/runs/{run.Id}"),
            })
            : new Answer(204, null);
    }

    private JsonObject RepositoryJson(FakeRepository repository, FakeUser? user)
    {
        var json = new JsonObject
        {
            ["id"] = repository.Id,
            ["node_id"] = "R_" + repository.Id,
            ["name"] = repository.Name,
            ["full_name"] = repository.FullName,
            ["private"] = repository.Private,
            ["visibility"] = repository.Private ? "private" : "public",
            ["owner"] = new JsonObject { ["login"] = repository.Owner, ["id"] = StableId(repository.Owner), ["type"] = "Organization" },
            ["html_url"] = Web(repository.FullName),
            ["url"] = Api($"repos/{repository.FullName}"),
            ["default_branch"] = repository.DefaultBranch,
            ["created_at"] = Time(repository.CreatedAt),
            ["updated_at"] = Time(repository.CreatedAt),
        };
        if (user is not null)
        {
            var write = repository.Writers?.Contains(user.Login) ?? true;
            json["permissions"] = new JsonObject { ["admin"] = false, ["maintain"] = false, ["push"] = write, ["triage"] = write, ["pull"] = true };
        }

        return json;
    }

    private JsonObject UserJson(FakeUser user, bool full)
    {
        var json = new JsonObject
        {
            ["login"] = user.Login,
            ["id"] = user.Id,
            ["node_id"] = "U_" + user.Id,
            ["type"] = "User",
            ["site_admin"] = false,
            ["html_url"] = Web(user.Login),
            ["url"] = Api($"users/{user.Login}"),
            ["avatar_url"] = Web($"avatars/{user.Login}"),
        };
        if (full)
        {
            json["name"] = user.Name;
            json["email"] = user.Email;
            json["created_at"] = Time(DateTimeOffset.UnixEpoch);
            json["updated_at"] = Time(DateTimeOffset.UnixEpoch);
        }

        return json;
    }

    private static JsonObject TeamJson(string team)
    {
        var parts = team.Split('/');
        return new JsonObject
        {
            ["id"] = StableId(team),
            ["node_id"] = "T_" + StableId(team),
            ["name"] = parts[1],
            ["slug"] = parts[1],
            ["privacy"] = "closed",
            ["permission"] = "pull",
            ["organization"] = new JsonObject { ["login"] = parts[0], ["id"] = StableId(parts[0]) },
        };
    }

    private static Answer ValidationFailed(string resource, string? field, string code, string? message, string docs)
    {
        var error = new JsonObject { ["resource"] = resource, ["code"] = code };
        if (field is not null)
        {
            error["field"] = field;
        }

        if (message is not null)
        {
            error["message"] = message;
        }

        return new Answer(422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = new JsonArray(error), ["documentation_url"] = Docs + docs });
    }

    /// <summary>A branch, tag or sha to a commit sha (or a tree sha, for the trees endpoint).</summary>
    private static string? Resolve(FakeRepository repository, string reference) =>
        repository.BranchSha(reference)
        ?? repository.Refs.GetValueOrDefault("refs/tags/" + reference)
        ?? (repository.Objects.Exists(reference) ? reference : null);

    private static string? FileSha(FakeRepository repository, string commit, string path) =>
        repository.Objects.Flatten(repository.Objects.Commit(commit)!.Tree).TryGetValue(path, out var file) ? file.Sha : null;

    private static int PerPage(IQueryCollection query, int fallback) =>
        int.TryParse(query["per_page"], out var perPage) ? Math.Clamp(perPage, 1, 100) : fallback;

    private static string QueryWithPage(IQueryCollection query, int page) =>
        string.Join('&', query.Where(q => q.Key != "page").Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}").Append($"page={page}"));

    private static long StableId(string name) => Math.Abs((long)StringComparer.Ordinal.GetHashCode(name)) % 1_000_000;

    private string Api(string path) => new Uri(ApiUrl, path).ToString();

    private string Web(string path) => new Uri(WebUrl, path).ToString();

    [GeneratedRegex("^/repos/([^/]+)/([^/]+)(/.*)?$")]
    private static partial Regex RepoPath();

    [GeneratedRegex("^/pulls/([0-9]+)(/reviews)?$")]
    private static partial Regex PullPath();

    [GeneratedRegex("^/actions/runs/([0-9]+)$")]
    private static partial Regex RunPath();

    [GeneratedRegex("^/actions/workflows/([^/]+)/(runs|dispatches)$")]
    private static partial Regex WorkflowPath();
}
