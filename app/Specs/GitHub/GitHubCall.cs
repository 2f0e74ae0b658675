using Octokit;

namespace SpecEditor.Specs.GitHub;

/// <summary>One GitHub request through Octokit's connection, with its failure turned into an <see cref="Hosting.AppException"/>.</summary>
public sealed class GitHubCall(IConnection connection, string repository, bool asUser)
{
    public async Task<IApiResponse<T>> GetResponseAsync<T>(string path, IDictionary<string, string>? query, string doing, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.Get<T>(new Uri(path, UriKind.RelativeOrAbsolute), query, null!, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            throw GitHubErrors.Translate(ex, doing, repository, asUser);
        }
    }

    public async Task<T> GetAsync<T>(string path, IDictionary<string, string>? query, string doing, CancellationToken cancellationToken) =>
        (await GetResponseAsync<T>(path, query, doing, cancellationToken).ConfigureAwait(false)).Body;

    /// <summary>A listing followed through its <c>Link: next</c> pages, up to <paramref name="maxPages"/> of them.</summary>
    public Task<List<T>> GetAllPagesAsync<T>(string path, IDictionary<string, string>? query, string doing, int maxPages, CancellationToken cancellationToken) =>
        GetPagesAsync<T>(path, query, doing, maxPages, _ => false, cancellationToken);

    /// <summary>
    /// A listing followed through its <c>Link: next</c> pages until <paramref name="enough"/>, called with each page as it
    /// arrives, says no more are needed, the pages run out, or <paramref name="maxPages"/> were read.
    /// </summary>
    public async Task<List<T>> GetPagesAsync<T>(
        string path, IDictionary<string, string>? query, string doing, int maxPages, Func<IReadOnlyList<T>, bool> enough, CancellationToken cancellationToken)
    {
        var page = await GetResponseAsync<List<T>>(path, query, doing, cancellationToken).ConfigureAwait(false);
        var items = new List<T>(page.Body);
        for (var pages = 1; pages < maxPages && !enough(page.Body) && page.HttpResponse.ApiInfo.Links.TryGetValue("next", out var next); pages++)
        {
            page = await GetResponseAsync<List<T>>(next.ToString(), null, doing, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Body);
        }

        return items;
    }

    public async Task<T> PostAsync<T>(string path, object body, string doing, CancellationToken cancellationToken) =>
        await TryPostAsync<T>(path, body, doing, _ => false, cancellationToken).ConfigureAwait(false)
        ?? throw new GitHubRequestException($"While {doing}, GitHub answered without a body.");

    /// <summary>A POST that answers null when GitHub refuses it in a way the caller expects (e.g. "already exists").</summary>
    public async Task<T?> TryPostAsync<T>(string path, object body, string doing, Func<ApiException, bool> expected, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.Post<T>(new Uri(path, UriKind.Relative), body, null!, "application/json", parameters: null, cancellationToken).ConfigureAwait(false)).Body;
        }
        catch (ApiException ex) when (expected(ex))
        {
            return default;
        }
        catch (ApiException ex)
        {
            throw GitHubErrors.Translate(ex, doing, repository, asUser);
        }
    }

    public async Task<T> PatchAsync<T>(string path, object body, string doing)
    {
        try
        {
            return (await connection.Patch<T>(new Uri(path, UriKind.Relative), body).ConfigureAwait(false)).Body;
        }
        catch (ApiException ex)
        {
            throw GitHubErrors.Translate(ex, doing, repository, asUser);
        }
    }
}
