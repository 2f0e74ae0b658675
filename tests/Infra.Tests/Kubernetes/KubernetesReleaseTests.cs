using System.Text;
using System.Text.Json;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests.Kubernetes;

public sealed class KubernetesReleaseTests
{
    private const string Deployment = "kubernetes:apps/v1:Deployment";
    private const string Digest = "sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd";

    public static TheoryData<string, string> Clusters => new()
    {
        { "minikube", "" },
        { "eks", "ghcr" },
        { "eks", "ecr" },
    };

    [Theory]
    [MemberData(nameof(Clusters))]
    public async Task The_app_container_is_non_root_read_only_without_capabilities_and_with_limits(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var pod = run.Single(Deployment).Get("spec.template.spec")!.AsRecorded();
        Assert.Equal(true, pod.Get("securityContext.runAsNonRoot"));
        Assert.Equal(1654, pod.Number("securityContext.runAsUser"));
        Assert.Equal("RuntimeDefault", pod.Text("securityContext.seccompProfile.type"));
        var container = Assert.Single(pod.List("containers")).AsRecorded();
        Assert.Equal(true, container.Get("securityContext.runAsNonRoot"));
        Assert.Equal(true, container.Get("securityContext.readOnlyRootFilesystem"));
        Assert.Equal(false, container.Get("securityContext.allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], container.List("securityContext.capabilities.drop").Cast<string>());
        Assert.Equal(("250m", "256Mi"), (container.Text("resources.requests.cpu"), container.Text("resources.requests.memory")));
        Assert.Equal(("1", "512Mi"), (container.Text("resources.limits.cpu"), container.Text("resources.limits.memory")));
        // A read-only root needs writable space where the app writes: scratch, and the run workspaces it shares with jobs.
        Assert.Equal(["/data", "/tmp", "/workspaces"], container.List("volumeMounts").Select(m => m.AsRecorded().Text("mountPath")));
    }

    [Theory]
    [MemberData(nameof(Clusters))]
    public async Task Probes_use_the_health_endpoints_and_updates_roll_with_zero_unavailable(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var deployment = run.Single(Deployment);
        Assert.Equal(0, deployment.Number("spec.strategy.rollingUpdate.maxUnavailable"));
        Assert.Equal("RollingUpdate", deployment.Text("spec.strategy.type"));
        var container = deployment.Get("spec.template.spec.containers[0]")!.AsRecorded();
        Assert.Equal("/health/live", container.Text("startupProbe.httpGet.path"));
        Assert.Equal("/health/live", container.Text("livenessProbe.httpGet.path"));
        Assert.Equal("/health/ready", container.Text("readinessProbe.httpGet.path"));
        Assert.Equal("http", container.Text("readinessProbe.httpGet.port"));
        Assert.Equal(8080, container.Number("ports[0].containerPort"));
    }

    [Theory]
    [MemberData(nameof(Clusters))]
    public async Task Settings_go_to_a_config_map_and_secrets_to_a_secret_both_read_by_the_pod(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var config = run.Single("kubernetes:core/v1:ConfigMap");
        var data = config.Map("data");
        Assert.Equal(("github", "acme/specs", "8080", "0.0.0.0", "/data"), (data["SPEC_STORE"], data["GH_REPO"], data["PORT"], data["LISTEN_ADDRESS"], data["DATA_DIR"]));
        Assert.All(StackConfigs.SecretValues, secret => Assert.DoesNotContain(data.Values, value => value.Contains(secret, StringComparison.Ordinal)));

        var secret = run.Named("kubernetes:core/v1:Secret", "app");
        Assert.Equal(StackConfigs.GhToken, secret.Map("stringData")["GH_TOKEN"]);
        Assert.Equal(StackConfigs.DatabaseUrl, secret.Map("stringData")["DATABASE_URL"]);

        var envFrom = run.Single(Deployment).List("spec.template.spec.containers[0].envFrom").Select(e => e.AsRecorded()).ToList();
        Assert.Equal("app-5f3c9a1e", envFrom[0].Text("configMapRef.name"));
        Assert.Equal("app-5f3c9a1e", envFrom[1].Text("secretRef.name"));
    }

    [Fact]
    public async Task Minikube_exposes_a_node_port_and_runs_the_local_image_with_a_pull_policy_that_uses_loaded_images()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("minikube", ""), options: new MockCloudOptions { ImageDigest = Digest });

        var service = run.Single("kubernetes:core/v1:Service");
        Assert.Equal("NodePort", service.Text("spec.type"));
        Assert.Equal(30080, service.Number("spec.ports[0].nodePort"));
        var container = run.Single(Deployment).Get("spec.template.spec.containers[0]")!.AsRecorded();
        Assert.Equal("spec-editor:abcdefabcdef", container.Text("image"));
        Assert.Equal("IfNotPresent", container.Text("imagePullPolicy"));
        Assert.Equal("http://192.168.49.2:30080", await run.OutputAsync("appUrl"));
        Assert.Equal("minikube", run.Single("pulumi:providers:kubernetes").Text("context"));
    }

    [Fact]
    public async Task Eks_exposes_a_load_balancer_limited_to_the_allowed_cidrs()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        var service = run.Single("kubernetes:core/v1:Service");
        Assert.Equal("LoadBalancer", service.Text("spec.type"));
        Assert.Equal([StackConfigs.AppCidr], service.List("spec.loadBalancerSourceRanges").Cast<string>());
        Assert.Equal(8080, service.Number("spec.ports[0].port"));
        Assert.Equal($"http://{MockCloud.LoadBalancerHost}:8080", await run.OutputAsync("appUrl"));
    }

    [Theory]
    [InlineData("eks", "ecr")]
    [InlineData("eks", "ghcr")]
    [InlineData("minikube", "")]
    public async Task A_new_image_rolls_the_deployment_and_the_same_image_leaves_it_unchanged(string target, string registry)
    {
        var first = new MockCloudOptions { ImageDigest = "sha256:" + new string('1', 64) };
        var second = new MockCloudOptions { ImageDigest = "sha256:" + new string('2', 64) };

        var before = Template(await StackRun.RunAsync(StackConfigs.For(target, registry), options: first));
        var again = Template(await StackRun.RunAsync(StackConfigs.For(target, registry), options: first));
        var after = Template(await StackRun.RunAsync(StackConfigs.For(target, registry), options: second));

        Assert.Equal(before, again);
        Assert.NotEqual(before, after);
        Assert.Contains(target == "minikube" ? "spec-editor:111111111111" : "@" + first.ImageDigest, before, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ghcr_images_are_pulled_with_the_read_only_token_and_ecr_images_with_the_node_role()
    {
        var ghcr = await StackRun.RunAsync(StackConfigs.For("eks", "ghcr"));

        var pullSecret = ghcr.Named("kubernetes:core/v1:Secret", "app-ghcr");
        Assert.Equal("kubernetes.io/dockerconfigjson", pullSecret.Text("type"));
        using var config = JsonDocument.Parse(pullSecret.Map("stringData")[".dockerconfigjson"]);
        var auth = config.RootElement.GetProperty("auths").GetProperty("ghcr.io");
        Assert.Equal(StackConfigs.GhcrPullToken, auth.GetProperty("password").GetString());
        Assert.Equal($"acme-bot:{StackConfigs.GhcrPullToken}", Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetProperty("auth").GetString()!)));
        Assert.Equal("app-ghcr-5f3c9a1e", ghcr.Single(Deployment).Text("spec.template.spec.imagePullSecrets[0].name"));

        var ecr = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));
        Assert.Empty(ecr.Single(Deployment).List("spec.template.spec.imagePullSecrets"));
        Assert.DoesNotContain(ecr.OfType("kubernetes:core/v1:Secret"), s => s.Text("type") == "kubernetes.io/dockerconfigjson");
    }

    [Theory]
    [MemberData(nameof(Clusters))]
    public async Task The_namespace_enforces_the_restricted_pod_security_standard_and_a_budget_keeps_pods_up(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var ns = run.Single("kubernetes:core/v1:Namespace");
        Assert.Equal("spec-editor", ns.Text("metadata.name"));
        Assert.Equal("restricted", ns.Map("metadata.labels")["pod-security.kubernetes.io/enforce"]);
        var budget = run.Single("kubernetes:policy/v1:PodDisruptionBudget");
        Assert.Equal(1, budget.Number("spec.maxUnavailable"));
        Assert.Equal(run.Single(Deployment).Map("spec.selector.matchLabels"), budget.Map("spec.selector.matchLabels"));
        Assert.Equal("spec-editor", await run.OutputAsync("namespace"));
    }

    [Fact]
    public async Task The_app_may_run_jobs_in_its_namespace_and_nothing_else()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        var role = run.Single("kubernetes:rbac.authorization.k8s.io/v1:Role");
        // Exactly the calls of KubernetesJobRunner: each job's secrets go into a Secret it creates, makes the Job's (patch),
        // deletes, and finds by label when a crash left one; it never reads a Secret by name, and deleting a Job removes its pods.
        var verbs = role.List("rules").Select(rule => rule.AsRecorded()).ToDictionary(
            rule => string.Join(",", rule.List("resources").Cast<string>()),
            rule => string.Join(",", rule.List("verbs").Cast<string>()));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["jobs"] = "create,get,list,delete",
                ["pods"] = "get,list",
                ["pods/log"] = "get",
                ["secrets"] = "create,patch,list,delete",
            },
            verbs);
        Assert.Empty(run.OfType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"));
        Assert.Equal("spec-editor", run.Single(Deployment).Text("spec.template.spec.serviceAccountName"));
    }

    [Theory]
    [MemberData(nameof(Clusters))]
    public async Task The_automation_engine_runs_kubernetes_jobs_in_the_stack_namespace_on_a_workspace_claim_the_app_mounts(string target, string registry)
    {
        var config = StackConfigs.For(target, registry);
        config["namespace"] = "specs-team";

        var run = await StackRun.RunAsync(config);

        // Without these the app falls back to the docker runner, which has no Docker engine inside a cluster.
        var data = run.Single("kubernetes:core/v1:ConfigMap").Map("data");
        Assert.Equal("kubernetes", data["AUTOMATION_RUNNER"]);
        Assert.Equal("specs-team", data["AUTOMATION_K8S_NAMESPACE"]);
        Assert.Equal("/workspaces", data["AUTOMATION_WORK_DIR"]);

        // The app clones into the claim and each job pod mounts its run's folder of it, possibly on another node.
        var claim = run.Single("kubernetes:core/v1:PersistentVolumeClaim");
        Assert.Equal("specs-team", claim.Text("metadata.namespace"));
        Assert.Equal(["ReadWriteMany"], claim.List("spec.accessModes").Cast<string>());
        Assert.Equal(target == "eks" ? StackConfigs.WorkspaceStorageClass : null, claim.Text("spec.storageClassName"));
        Assert.Equal("10Gi", claim.Text("spec.resources.requests.storage"));
        Assert.Equal("app-workspaces-5f3c9a1e", data["AUTOMATION_K8S_WORKSPACE_CLAIM"]);

        var pod = run.Single(Deployment).Get("spec.template.spec")!.AsRecorded();
        var volume = Assert.Single(pod.List("volumes"), v => v.AsRecorded().Text("name") == "workspaces").AsRecorded();
        Assert.Equal("app-workspaces-5f3c9a1e", volume.Text("persistentVolumeClaim.claimName"));
        var mount = Assert.Single(pod.List("containers[0].volumeMounts"), m => m.AsRecorded().Text("name") == "workspaces").AsRecorded();
        Assert.Equal("/workspaces", mount.Text("mountPath"));
    }

    [Fact]
    public async Task The_workspace_claim_uses_the_configured_storage_class_and_size()
    {
        var config = StackConfigs.For("minikube", "");
        config["workspaceStorageClass"] = "nfs-client";
        config["workspaceSize"] = "50Gi";

        var run = await StackRun.RunAsync(config);

        var claim = run.Single("kubernetes:core/v1:PersistentVolumeClaim");
        Assert.Equal("nfs-client", claim.Text("spec.storageClassName"));
        Assert.Equal("50Gi", claim.Text("spec.resources.requests.storage"));
    }

    [Theory]
    [InlineData("minikube", "", "http://192.168.49.2:30080")]
    [InlineData("eks", "ecr", "http://" + MockCloud.LoadBalancerHost + ":8080")]
    public async Task Links_in_pull_requests_use_the_app_url_the_stack_outputs(string target, string registry, string url)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        Assert.Equal(url, await run.OutputAsync("appUrl"));
        Assert.Equal(url, run.Single("kubernetes:core/v1:ConfigMap").Map("data")["PUBLIC_URL"]);
    }

    [Fact]
    public async Task The_load_balancer_comes_before_the_pods_so_waits_for_its_address_and_not_for_endpoints()
    {
        var eks = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        // The Deployment's settings carry the load balancer's address, so the Service cannot wait for the Deployment's pods.
        var annotations = eks.Single("kubernetes:core/v1:Service").Map("metadata.annotations");
        Assert.Equal("jsonpath={.status.loadBalancer.ingress}", annotations["pulumi.com/waitFor"]);

        var minikube = await StackRun.RunAsync(StackConfigs.For("minikube", ""));
        Assert.DoesNotContain("pulumi.com/waitFor", minikube.Single("kubernetes:core/v1:Service").Map("metadata.annotations").Keys);
    }

    [Fact]
    public async Task A_public_url_set_by_the_stack_wins()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["appEnv"] = StackConfigs.Json(new Dictionary<string, string> { ["SPEC_STORE"] = "github", ["GH_REPO"] = "acme/specs", ["PUBLIC_URL"] = "https://specs.example.org" });

        var run = await StackRun.RunAsync(config);

        Assert.Equal("https://specs.example.org", run.Single("kubernetes:core/v1:ConfigMap").Map("data")["PUBLIC_URL"]);
    }

    [Fact]
    public async Task No_ingress_unless_a_host_is_configured()
    {
        var run = await StackRun.RunAsync(StackConfigs.For("eks", "ecr"));

        Assert.Empty(run.OfType("kubernetes:networking.k8s.io/v1:Ingress"));
    }

    [Fact]
    public async Task An_ingress_host_with_tls_gives_an_https_url()
    {
        var config = StackConfigs.For("eks", "ecr");
        config["ingressHost"] = "specs.example.com";
        config["ingressClassName"] = "alb";
        config["ingressTlsSecret"] = "specs-tls";

        var run = await StackRun.RunAsync(config);

        var ingress = run.Single("kubernetes:networking.k8s.io/v1:Ingress");
        Assert.Equal("alb", ingress.Text("spec.ingressClassName"));
        Assert.Equal("specs.example.com", ingress.Text("spec.rules[0].host"));
        Assert.Equal("spec-editor", ingress.Text("spec.rules[0].http.paths[0].backend.service.name"));
        Assert.Equal("specs-tls", ingress.Text("spec.tls[0].secretName"));
        Assert.Equal("https://specs.example.com", await run.OutputAsync("appUrl"));
        Assert.Equal("https://specs.example.com", run.Single("kubernetes:core/v1:ConfigMap").Map("data")["PUBLIC_URL"]);
    }

    private static string Template(StackRun run) => JsonSerializer.Serialize(run.Single(Deployment).Get("spec.template"));
}
