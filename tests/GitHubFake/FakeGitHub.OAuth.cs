using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace SpecEditor.GitHubFake;

public sealed record OAuthApp(string ClientId, string ClientSecret);

/// <summary>GitHub's OAuth web flow: authorize (with an optional consent page), then the code exchanged for a token.</summary>
public sealed partial class FakeGitHub
{
    private readonly Dictionary<string, OAuthApp> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingCode> _codes = new(StringComparer.Ordinal);
    private readonly HashSet<(string ClientId, string Login)> _consents = [];

    /// <summary>The user signed in to GitHub in the browser; null shows GitHub's sign-in page instead of authorizing.</summary>
    public FakeUser? BrowserUser { get; set; }

    /// <summary>When true, a user who has not yet authorized the app sees a consent page first, as on GitHub.</summary>
    public bool RequireConsent { get; set; }

    public void RegisterOAuthApp(string clientId, string clientSecret)
    {
        lock (Gate)
        {
            _apps[clientId] = new OAuthApp(clientId, clientSecret);
        }
    }

    private async Task HandleOAuthAsync(HttpContext context, string path, string? body)
    {
        var request = context.Request;
        var form = request.Method == "POST" && body is not null ? QueryHelpers.ParseQuery(body) : new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>();
        string Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : request.Query[name].ToString();
        Record(request.Method, "/login/oauth" + path, request.QueryString.Value ?? "", 0, null, null, null, conditional: false);

        switch (request.Method, path)
        {
            case ("GET", "/authorize"):
            case ("POST", "/authorize"):
                await AuthorizeAsync(context, Field).ConfigureAwait(false);
                return;
            case ("POST", "/access_token"):
                await ExchangeAsync(context, Field).ConfigureAwait(false);
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private async Task AuthorizeAsync(HttpContext context, Func<string, string> field)
    {
        var clientId = field("client_id");
        var redirect = field("redirect_uri");
        var state = field("state");
        FakeUser? user;
        bool consented;
        lock (Gate)
        {
            user = BrowserUser;
            consented = user is not null && _consents.Contains((clientId, user.Login));
        }

        if (!_apps.ContainsKey(clientId) || !Uri.TryCreate(redirect, UriKind.Absolute, out _))
        {
            await HtmlAsync(context, 404, "<h1>404</h1><p>The OAuth application was not found, or the redirect_uri is not valid.</p>").ConfigureAwait(false);
            return;
        }

        if (user is null)
        {
            await HtmlAsync(context, 200, "<h1>Sign in to GitHub</h1><p>to continue to the app.</p>").ConfigureAwait(false);
            return;
        }

        var decision = field("authorize");
        if (decision == "0")
        {
            context.Response.Redirect(QueryHelpers.AddQueryString(redirect, new Dictionary<string, string?>
            {
                ["error"] = "access_denied",
                ["error_description"] = "The user has denied your application access.",
                ["state"] = state,
            }));
            return;
        }

        if (RequireConsent && !consented && decision != "1")
        {
            var hidden = new StringBuilder();
            foreach (var name in (string[])["client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"])
            {
                hidden.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(WebUtility.HtmlEncode(field(name))).Append("\" />");
            }

            await HtmlAsync(context, 200,
                $"<h1>Authorize app</h1><p>Signed in as <b>{WebUtility.HtmlEncode(user.Login)}</b>. Scopes: {WebUtility.HtmlEncode(field("scope"))}</p>" +
                $"<form method=\"post\" action=\"/login/oauth/authorize\">{hidden}" +
                "<button type=\"submit\" name=\"authorize\" value=\"1\" id=\"authorize\">Authorize</button> " +
                "<button type=\"submit\" name=\"authorize\" value=\"0\" id=\"cancel\">Cancel</button></form>").ConfigureAwait(false);
            return;
        }

        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        lock (Gate)
        {
            _consents.Add((clientId, user.Login));
            _codes[code] = new PendingCode(clientId, user, redirect, field("scope"), field("code_challenge"));
        }

        context.Response.Redirect(QueryHelpers.AddQueryString(redirect, new Dictionary<string, string?> { ["code"] = code, ["state"] = state }));
    }

    private async Task ExchangeAsync(HttpContext context, Func<string, string> field)
    {
        PendingCode? pending;
        OAuthApp? app;
        lock (Gate)
        {
            _codes.Remove(field("code"), out pending);
            app = _apps.GetValueOrDefault(field("client_id"));
        }

        JsonObject answer;
        if (app is null || app.ClientSecret != field("client_secret"))
        {
            answer = OAuthError("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
        }
        else if (pending is null || pending.ClientId != app.ClientId)
        {
            answer = OAuthError("bad_verification_code", "The code passed is incorrect or expired.");
        }
        else if (pending.RedirectUri != field("redirect_uri"))
        {
            answer = OAuthError("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
        }
        else if (pending.Challenge.Length > 0 && Challenge(field("code_verifier")) != pending.Challenge)
        {
            answer = OAuthError("bad_verification_code", "The code_verifier does not match the code_challenge.");
        }
        else
        {
            var scopes = pending.Scope.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            answer = new JsonObject { ["access_token"] = IssueToken(pending.User, scopes), ["token_type"] = "bearer", ["scope"] = string.Join(',', scopes) };
        }

        // GitHub answers 200 even for errors, with an "error" field.
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static string Challenge(string verifier) =>
        Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static JsonObject OAuthError(string error, string description) =>
        new() { ["error"] = error, ["error_description"] = description, ["error_uri"] = "https://docs.github.com/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" };

    private static async Task HtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($"<!DOCTYPE html><html><head><title>GitHub</title></head><body>{html}</body></html>", context.RequestAborted).ConfigureAwait(false);
    }

    private sealed record PendingCode(string ClientId, FakeUser User, string RedirectUri, string Scope, string Challenge);
}
