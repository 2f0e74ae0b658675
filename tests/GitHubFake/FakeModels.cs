using System.Text.RegularExpressions;

namespace SpecEditor.GitHubFake;

public sealed class FakeUser
{
    public required long Id { get; init; }

    public required string Login { get; init; }

    public string? Name { get; init; }

    public string? Email { get; init; }

    public List<string> Orgs { get; } = [];

    /// <summary>Teams as <c>org/slug</c>.</summary>
    public List<string> Teams { get; } = [];

    public string NoReplyEmail => $"{Id}+{Login}@users.noreply.github.com";
}

/// <summary>A token and what it may do: its user (null for none) and, for classic tokens, its scopes.</summary>
public sealed record FakeToken(string Value, FakeUser User, IReadOnlyList<string> Scopes);

public sealed class FakePull
{
    public required int Number { get; init; }

    public required long Id { get; init; }

    public required string Title { get; set; }

    public string? Body { get; set; }

    public required string Head { get; init; }

    public required string Base { get; init; }

    public required string BaseSha { get; set; }

    public required FakeUser Author { get; init; }

    public bool Draft { get; init; }

    public string State { get; set; } = "open";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public DateTimeOffset? MergedAt { get; set; }

    public string? MergeCommitSha { get; set; }

    public List<FakeReview> Reviews { get; } = [];

    public List<string> RequestedReviewers { get; } = [];
}

public sealed record FakeReview(long Id, string Login, string State, DateTimeOffset SubmittedAt);

public sealed record FakeCheckRun(long Id, string Sha, string Name, string Status, string? Conclusion, DateTimeOffset At);

public sealed record FakeStatus(long Id, string Sha, string Context, string State, string? TargetUrl, DateTimeOffset At);

public sealed class FakeRun
{
    public required long Id { get; init; }

    public required string Name { get; init; }

    public required string Workflow { get; init; }

    public required string Branch { get; init; }

    public required string HeadSha { get; init; }

    public required string Event { get; init; }

    public required string Actor { get; init; }

    public string Status { get; set; } = "queued";

    public string? Conclusion { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long RunNumber { get; init; }

    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();
}

/// <summary>An answer the fake gives instead of (or, with <see cref="AfterHandling"/>, after doing) the real work.</summary>
public sealed class FakeFault
{
    public required string Method { get; init; }

    /// <summary>Matched against the API path, e.g. <c>/repos/acme/specs/pulls</c>.</summary>
    public required Regex Path { get; init; }

    public int Status { get; init; } = 500;

    public string Message { get; init; } = "Server Error";

    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>How many matching requests get the fault; later ones are answered normally.</summary>
    public int Times { get; set; } = 1;

    /// <summary>Held this long before answering (longer than the client's timeout: a timeout).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>When true, the request is carried out and only its answer is replaced: the client cannot know it worked.</summary>
    public bool AfterHandling { get; init; }

    /// <summary>When false (a pure delay), the request is answered normally after <see cref="Delay"/>.</summary>
    public bool Replaces { get; init; } = true;
}

/// <summary>Every request the fake received and how it answered. <see cref="Path"/> is relative to the API root.</summary>
public sealed record RecordedCall(string Method, string Path, string Query, int Status, string? Login, string? Token, string? Body, bool Conditional)
{
    public bool IsWrite => Method != "GET";

    public override string ToString() => $"{Method} {Path}{Query} -> {Status}";
}

public sealed class RateLimit
{
    public int Limit { get; set; } = 5000;

    public int Remaining { get; set; } = 5000;

    public DateTimeOffset Reset { get; set; }
}
