using LibGit2Sharp;
using LibGit2Sharp.Handlers;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;
using SpecEditor.Specs;

namespace SpecEditor.Automation.Publishing;

/// <summary>Where a run clones from and publishes to: the local store's repository (<c>local</c>), or GitHub's <c>GH_REPO</c> when configured.</summary>
public abstract record RepositoryTarget(string Name)
{
    public abstract string CloneUrl { get; }

    public abstract CredentialsHandler? Credentials { get; }
}

public sealed record LocalTarget(string Path) : RepositoryTarget(LocalName)
{
    public const string LocalName = "local";

    public override string CloneUrl => Path;

    public override CredentialsHandler? Credentials => null;
}

public sealed record GitHubTarget(string Repository, string ServerUrl, string Token) : RepositoryTarget(Repository)
{
    public override string CloneUrl => $"{ServerUrl.TrimEnd('/')}/{Repository}.git";

    // GitHub takes a token as the password of HTTPS git; it never appears in the URL, so not in git's messages either.
    public override CredentialsHandler? Credentials => (_, _, _) => new UsernamePasswordCredentials { Username = "x-access-token", Password = Token };

    public string Owner => Repository.Split('/')[0];

    public string RepositoryName => Repository.Split('/')[1];
}

public sealed class RepositoryTargets(IOptions<AutomationSettings> settings, IOptions<SpecsSettings> specs, IOptions<HostingSettings> hosting)
{
    public string LocalPath => specs.Value.LocalRepositoryPath(hosting.Value.DataDir);

    /// <summary>The repositories a run may name, for the form and error messages.</summary>
    public IReadOnlyList<string> Available
    {
        get
        {
            var names = new List<string>();
            if (Repository.IsValid(LocalPath))
            {
                names.Add(LocalTarget.LocalName);
            }

            if (settings.Value.GitHubConfigured)
            {
                names.Add(settings.Value.GitHubRepository!);
            }

            return names;
        }
    }

    /// <summary>Resolves and checks a run's repository and base branch; throws a 400/422 the user can act on.</summary>
    public RepositoryTarget Resolve(string? repository, string? baseBranch)
    {
        if (string.IsNullOrWhiteSpace(repository))
        {
            throw new AutomationRequestException("automation.invalid_repository", $"'repository' is required: one of {Describe()}.");
        }

        if (repository != LocalTarget.LocalName && !SpecsSettings.IsRepositoryName(repository))
        {
            throw new AutomationRequestException("automation.invalid_repository", $"'{repository}' is not a repository name: use 'local' or owner/name ({Describe()}).");
        }

        if (!SpecsSettings.IsBranchName(baseBranch))
        {
            throw new AutomationRequestException("automation.invalid_branch", $"'{baseBranch}' is not a valid branch name.");
        }

        if (repository == LocalTarget.LocalName)
        {
            if (!Repository.IsValid(LocalPath))
            {
                throw new AutomationRequestException("automation.unknown_repository", "The local store's repository does not exist on this server.", StatusCodes.Status422UnprocessableEntity);
            }

            using var repo = new Repository(LocalPath);
            if (repo.Branches[baseBranch] is null)
            {
                throw new AutomationRequestException("automation.unknown_branch", $"The local repository has no branch '{baseBranch}'.", StatusCodes.Status422UnprocessableEntity);
            }

            return new LocalTarget(LocalPath);
        }

        var configured = settings.Value;
        if (!configured.GitHubConfigured || !string.Equals(configured.GitHubRepository, repository, StringComparison.OrdinalIgnoreCase))
        {
            throw new AutomationRequestException("automation.unknown_repository", $"Runs cannot use '{repository}': this server publishes to {Describe()}.", StatusCodes.Status422UnprocessableEntity);
        }

        return new GitHubTarget(configured.GitHubRepository!, configured.GitHubServerUrl, configured.GitHubToken!);
    }

    private string Describe() => Available is { Count: > 0 } available ? string.Join(", ", available.Select(a => $"'{a}'")) : "no repository (none is configured)";
}
