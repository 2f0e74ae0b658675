using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SpecEditor.Tests.Automation.Runners;

/// <summary>
/// An in-process fake of the few Kubernetes API endpoints the Jobs runner calls (create/read/list/delete Jobs and Secrets,
/// merge-patch Secrets, list/read Pods, read a Pod's log), answering in the documented shapes. A created Job "runs" at once
/// through <see cref="Execute"/>, which gets the Job and its Secret and returns an exit code and log text. Deleting a Job
/// deletes what it owns (its pods, and Secrets whose ownerReferences name its uid), as Kubernetes' garbage collector does.
/// </summary>
public sealed class FakeKubernetes : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeKubernetes(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentDictionary<string, JsonObject> Jobs { get; } = new();

    public ConcurrentDictionary<string, JsonObject> Secrets { get; } = new();

    public ConcurrentDictionary<string, (JsonObject Pod, string Log)> Pods { get; } = new();

    /// <summary>Every Job ever created, as sent (deleted ones included).</summary>
    public ConcurrentQueue<JsonObject> Created { get; } = new();

    public Func<JsonObject, JsonObject?, (int ExitCode, string Log)> Execute { get; set; } = (_, _) => (0, "");

    /// <summary>When set, every Job create is answered with this status (a Kubernetes Status body) and nothing is created.</summary>
    public int? JobCreateStatus { get; set; }

    /// <summary>When set, every Secret delete is answered with this status and nothing is deleted.</summary>
    public int? SecretDeleteStatus { get; set; }

    /// <summary>Job name → the uid the fake gave it when it was created.</summary>
    public ConcurrentDictionary<string, string> JobUids { get; } = new();

    public static async Task<FakeKubernetes> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeKubernetes? fake = null;
        app.MapPost("/api/v1/namespaces/{ns}/secrets", async (HttpContext context) =>
        {
            var secret = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var name = secret["metadata"]!["name"]!.GetValue<string>();
            return fake!.Secrets.TryAdd(name, secret) ? Results.Json(secret, statusCode: 201) : Conflict(name);
        });
        app.MapDelete("/api/v1/namespaces/{ns}/secrets/{name}", (string name) =>
            fake!.SecretDeleteStatus is { } status
                ? Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["message"] = "the fake refuses", ["code"] = status }, statusCode: status)
                : fake.Secrets.TryRemove(name, out _) ? Results.Json(Status()) : NotFound(name));
        app.MapGet("/api/v1/namespaces/{ns}/secrets", (string? labelSelector) =>
            Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "SecretList", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(fake!.Secrets.Values.Where(s => Matches(s, labelSelector)).Select(s => (JsonNode)s.DeepClone()).ToArray()) }));
        app.MapPatch("/api/v1/namespaces/{ns}/secrets/{name}", async (string name, HttpContext context) =>
        {
            // A JSON merge patch of metadata fields: enough for the ownerReferences the runner sets.
            var patch = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            if (!fake!.Secrets.TryGetValue(name, out var secret))
            {
                return NotFound(name);
            }

            foreach (var (field, value) in patch["metadata"]?.AsObject() ?? [])
            {
                secret["metadata"]![field] = value?.DeepClone();
            }

            return Results.Json(secret);
        });
        app.MapPost("/apis/batch/v1/namespaces/{ns}/jobs", async (string ns, HttpContext context) =>
        {
            var job = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var name = job["metadata"]!["name"]!.GetValue<string>();
            if (fake!.JobCreateStatus is { } status)
            {
                return Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["message"] = "the fake refuses", ["code"] = status }, statusCode: status);
            }

            if (fake.Jobs.ContainsKey(name))
            {
                return Conflict(name);
            }

            fake.Created.Enqueue(job.DeepClone().AsObject());
            var uid = Guid.NewGuid().ToString();
            job["metadata"]!["uid"] = uid;
            fake.JobUids[name] = uid;
            var (exitCode, log) = fake.Execute(job, fake.Secrets.GetValueOrDefault(name));
            var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            job["status"] = exitCode == 0
                ? new JsonObject { ["succeeded"] = 1, ["startTime"] = now, ["completionTime"] = now }
                : new JsonObject { ["failed"] = 1, ["startTime"] = now };
            fake.Jobs[name] = job;
            var podName = $"{name}-abcde";
            var pod = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject { ["name"] = podName, ["namespace"] = ns, ["labels"] = new JsonObject { ["job-name"] = name } },
                ["status"] = new JsonObject
                {
                    ["phase"] = exitCode == 0 ? "Succeeded" : "Failed",
                    ["containerStatuses"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "agent",
                        ["ready"] = false,
                        ["restartCount"] = 0,
                        ["image"] = job["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>(),
                        ["imageID"] = "",
                        ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["startedAt"] = now, ["finishedAt"] = now, ["reason"] = exitCode == 0 ? "Completed" : "Error" } },
                    }),
                },
            };
            fake.Pods[podName] = (pod, log);
            return Results.Json(job, statusCode: 201);
        });
        app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs", (string? labelSelector) =>
            Results.Json(new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "JobList", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(fake!.Jobs.Values.Where(j => Matches(j, labelSelector)).Select(j => (JsonNode)j.DeepClone()).ToArray()) }));
        app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs/{name}", (string name) => fake!.Jobs.TryGetValue(name, out var job) ? Results.Json(job) : NotFound(name));
        app.MapDelete("/apis/batch/v1/namespaces/{ns}/jobs/{name}", (string name, string? propagationPolicy) =>
            fake!.DeleteJob(name) ? Results.Json(Status()) : NotFound(name));
        app.MapGet("/api/v1/namespaces/{ns}/pods", (string? labelSelector) =>
            Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(fake!.Pods.Values.Select(p => p.Pod).Where(p => Matches(p, labelSelector)).Select(p => (JsonNode)p.DeepClone()).ToArray()) }));
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", (string name) => fake!.Pods.TryGetValue(name, out var pod) ? Results.Json(pod.Pod) : NotFound(name));
        app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", (string name) => fake!.Pods.TryGetValue(name, out var pod) ? Results.Text(pod.Log, "text/plain") : NotFound(name));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeKubernetes(app, new Uri(address));
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Deletes a Job as the API server and its garbage collector do (an explicit delete, or the Job's TTL running out): its pods
    /// and every Secret owned by it go too.
    /// </summary>
    public bool DeleteJob(string name)
    {
        if (!Jobs.TryRemove(name, out var job))
        {
            return false;
        }

        foreach (var pod in Pods.Keys.Where(p => p.StartsWith(name + "-", StringComparison.Ordinal)))
        {
            Pods.TryRemove(pod, out _);
        }

        var uid = job["metadata"]!["uid"]!.GetValue<string>();
        foreach (var (secretName, secret) in Secrets)
        {
            var owners = secret["metadata"]?["ownerReferences"]?.AsArray() ?? [];
            if (owners.Any(o => o?["kind"]?.GetValue<string>() == "Job" && o["uid"]?.GetValue<string>() == uid))
            {
                Secrets.TryRemove(secretName, out _);
            }
        }

        return true;
    }

    public static string Env(JsonObject job, string name) =>
        job["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == name)!["value"]!.GetValue<string>();

    private static bool Matches(JsonObject item, string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }

        var labels = item["metadata"]?["labels"]?.AsObject();
        return selector.Split(',').All(term =>
        {
            var parts = term.Split('=', 2);
            return labels?[parts[0]]?.GetValue<string>() == parts[1];
        });
    }

    private static JsonObject Status() => new() { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Success" };

    private static IResult Conflict(string name) =>
        Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["reason"] = "AlreadyExists", ["message"] = $"{name} already exists", ["code"] = 409 }, statusCode: 409);

    private static IResult NotFound(string name) =>
        Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["reason"] = "NotFound", ["message"] = $"{name} not found", ["code"] = 404 }, statusCode: 404);

    public static string Decode(JsonObject secret, string key) => Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]![key]!.GetValue<string>()));
}
