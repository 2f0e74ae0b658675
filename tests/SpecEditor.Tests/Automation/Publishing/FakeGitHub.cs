using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SpecEditor.Tests.Automation.Publishing;

/// <summary>
/// Just enough of GitHub for the publisher: git over HTTP (the real <c>git http-backend</c> serving bare repositories under a
/// folder, behind Basic auth that accepts only the token as GitHub does) and the REST calls for pull requests (list by head,
/// create, update) under <c>/api/v3</c>, in GitHub's documented shapes.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeGitHub(WebApplication app, Uri url, string root, string token)
    {
        _app = app;
        Url = url;
        Root = root;
        Token = token;
    }

    public Uri Url { get; }

    /// <summary>The REST root, shaped like GitHub Enterprise Server's (<c>/api/v3</c>), which is what Octokit expects off github.com.</summary>
    public string ApiUrl => $"{Url}api/v3";

    /// <summary>Bare repositories live at <c>Root/owner/name.git</c>.</summary>
    public string Root { get; }

    public string Token { get; }

    public ConcurrentDictionary<int, JsonObject> Pulls { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<FakeGitHub> StartAsync(string root, string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeGitHub? fake = null;
        var next = 0;

        app.Map("/{owner}/{name}.git/{**rest}", async (HttpContext context, string owner, string name, string? rest) =>
        {
            if (!Authorized(context, fake!.Token))
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"GitHub\"";
                return;
            }

            await GitHttpBackendAsync(context, fake.Root, $"/{owner}/{name}.git/{rest}");
        });
        app.MapGet("/api/v3/repos/{owner}/{name}/pulls", (HttpContext context, string? head, string? state) =>
        {
            fake!.Calls.Enqueue($"GET pulls head={head}");
            if (!Authorized(context, fake.Token))
            {
                return Results.StatusCode(401);
            }

            var matching = fake.Pulls.Values.Where(p => head is null || $"{p["head"]!["label"]}" == head).Where(p => state is null or "all" || $"{p["state"]}" == state);
            return Results.Json(new JsonArray(matching.Select(p => (JsonNode)p.DeepClone()).ToArray()));
        });
        app.MapPost("/api/v3/repos/{owner}/{name}/pulls", async (HttpContext context, string owner, string name) =>
        {
            fake!.Calls.Enqueue("POST pulls");
            if (!Authorized(context, fake.Token))
            {
                return Results.StatusCode(401);
            }

            var request = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var number = Interlocked.Increment(ref next);
            var head = request["head"]!.GetValue<string>();
            var pull = new JsonObject
            {
                ["id"] = 1000 + number,
                ["number"] = number,
                ["url"] = $"{fake.Url}api/v3/repos/{owner}/{name}/pulls/{number}",
                ["html_url"] = $"https://github.example/{owner}/{name}/pull/{number}",
                ["state"] = "open",
                ["title"] = request["title"]!.GetValue<string>(),
                ["body"] = request["body"]?.GetValue<string>(),
                ["draft"] = request["draft"]?.GetValue<bool>() ?? false,
                ["head"] = new JsonObject { ["ref"] = head, ["label"] = $"{owner}:{head}", ["sha"] = "" },
                ["base"] = new JsonObject { ["ref"] = request["base"]!.GetValue<string>(), ["label"] = $"{owner}:{request["base"]}", ["sha"] = "" },
                ["user"] = new JsonObject { ["login"] = "automation", ["id"] = 1 },
                ["created_at"] = DateTimeOffset.UtcNow.ToString("O"),
                ["updated_at"] = DateTimeOffset.UtcNow.ToString("O"),
            };
            fake.Pulls[number] = pull;
            return Results.Json(pull, statusCode: 201);
        });
        app.MapMethods("/api/v3/repos/{owner}/{name}/pulls/{number:int}", ["PATCH"], async (HttpContext context, int number) =>
        {
            fake!.Calls.Enqueue($"PATCH pulls/{number}");
            if (!Authorized(context, fake.Token))
            {
                return Results.StatusCode(401);
            }

            if (!fake.Pulls.TryGetValue(number, out var pull))
            {
                return Results.Json(new JsonObject { ["message"] = "Not Found" }, statusCode: 404);
            }

            var update = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            foreach (var field in new[] { "title", "body" })
            {
                if (update[field] is { } value)
                {
                    pull[field] = value.DeepClone();
                }
            }

            pull["updated_at"] = DateTimeOffset.UtcNow.ToString("O");
            return Results.Json(pull);
        });

        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeGitHub(app, new Uri(address.TrimEnd('/') + "/"), root, token);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>GitHub takes the token as the password of Basic auth (any user name), or as a bearer/token header for the API.</summary>
    private static bool Authorized(HttpContext context, string token)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header))
        {
            return false;
        }

        return header.Scheme.ToLowerInvariant() switch
        {
            "basic" => Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? "")).Split(':', 2) is [_, var password] && password == token,
            "bearer" or "token" => header.Parameter == token,
            _ => false,
        };
    }

    /// <summary>Runs the request through git's own smart-HTTP CGI, so clone and push speak the real protocol.</summary>
    private static async Task GitHttpBackendAsync(HttpContext context, string root, string pathInfo)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("http-backend");
        start.Environment["GIT_PROJECT_ROOT"] = root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["PATH_INFO"] = pathInfo;
        start.Environment["REQUEST_METHOD"] = context.Request.Method;
        start.Environment["QUERY_STRING"] = context.Request.QueryString.HasValue ? context.Request.QueryString.Value![1..] : "";
        start.Environment["CONTENT_TYPE"] = context.Request.ContentType ?? "";
        start.Environment["REMOTE_USER"] = "x-access-token";
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (context.Request.Headers.ContentEncoding.Count > 0)
        {
            start.Environment["HTTP_CONTENT_ENCODING"] = context.Request.Headers.ContentEncoding.ToString();
        }

        if (context.Request.Headers["Git-Protocol"].Count > 0)
        {
            start.Environment["GIT_PROTOCOL"] = context.Request.Headers["Git-Protocol"].ToString();
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await context.Request.Body.CopyToAsync(process.StandardInput.BaseStream);
        process.StandardInput.Close();

        var output = process.StandardOutput.BaseStream;
        var headerBytes = new List<byte>();
        int read;
        while ((read = output.ReadByte()) >= 0)
        {
            headerBytes.Add((byte)read);
            var count = headerBytes.Count;
            if (count >= 2 && headerBytes[count - 1] == '\n' && (headerBytes[count - 2] == '\n' || (count >= 4 && headerBytes[count - 2] == '\r' && headerBytes[count - 3] == '\n')))
            {
                break;
            }
        }

        foreach (var line in Encoding.ASCII.GetString(headerBytes.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (name, value) = (line[..colon], line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                context.Response.Headers[name] = value;
            }
        }

        await output.CopyToAsync(context.Response.Body);
        await process.WaitForExitAsync();
        await errors;
    }
}
