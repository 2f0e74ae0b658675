using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Octokit;
using SpecEditor.Hosting;

namespace SpecEditor.Specs.GitHub;

/// <summary>
/// Readiness: GitHub answers the service credential, which scopes that token has, and how much rate limit is left
/// (<c>/rate_limit</c> itself does not count against it). Degraded below a tenth of the limit. Liveness never calls GitHub.
/// </summary>
internal sealed class GitHubHealthCheck(GitHubConnections connections, Microsoft.Extensions.Options.IOptions<GitHubSettings> settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["apiUrl"] = settings.Value.ApiBase.ToString() };
        try
        {
            var call = new GitHubCall(connections.Service, "", asUser: false);
            var response = await call.GetResponseAsync<MiscellaneousRateLimit>("rate_limit", null, "checking the rate limit", cancellationToken).ConfigureAwait(false);
            var core = response.Body.Resources.Core;
            data["rateLimitLimit"] = core.Limit;
            data["rateLimitRemaining"] = core.Remaining;
            data["rateLimitReset"] = core.Reset.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
            data["credential"] = connections.HasServiceToken ? "GH_TOKEN" : "anonymous (no GH_TOKEN: reads use the signed-in user's token)";
            var scopes = response.HttpResponse.Headers.FirstOrDefault(h => h.Key.Equals("X-OAuth-Scopes", StringComparison.OrdinalIgnoreCase)).Value;
            data["tokenScopes"] = !connections.HasServiceToken ? "none"
                : scopes is null ? "not reported (fine-grained token or GitHub App)"
                : scopes.Length == 0 ? "(no scopes: public repositories only)"
                : scopes;

            var description = $"GitHub answers; {core.Remaining}/{core.Limit} requests left until {core.Reset.ToUniversalTime():HH:mm} UTC";
            return core.Limit > 0 && core.Remaining < core.Limit / 10
                ? HealthCheckResult.Degraded(description + " (less than a tenth left)", data: data)
                : HealthCheckResult.Healthy(description, data);
        }
        catch (AppException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message, data: data);
        }
    }
}
