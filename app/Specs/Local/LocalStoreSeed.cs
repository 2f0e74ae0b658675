namespace SpecEditor.Specs.Local;

/// <summary>Sample pods written into a new local store, so the app is useful on its first run.</summary>
internal static class LocalStoreSeed
{
    public static readonly (string Customer, string Environment, string InstanceType, bool Waf)[] Pods =
    [
        ("acme", "dev", "t3.small", false),
        ("acme", "stg", "t3.medium", true),
        ("acme", "prd", "m6i.large", true),
        ("globex", "dev", "t3.micro", false),
        ("globex", "prd", "m6i.xlarge", true),
        ("initech", "dev", "t3.small", false),
        ("initech", "stg", "t3.small", true),
        ("umbrella", "prd", "c6i.large", true),
    ];

    public static string Spec(string customer, string environment, string instanceType, bool waf) =>
        $"""
        # Pod spec for {customer} / {environment}.
        # Edited through the spec editor: comments, key order and unknown keys are kept as they are.
        metadata:
          customer: {customer}
          environment: {environment}
          owner: platform-team # not in the schema; kept untouched
        spec:
          compute:
            instance_name: {customer}-{environment}-app
            instance_type: {instanceType}
          security:
            waf:
              enabled: {(waf ? "true" : "false")}

        """;

    public static string Readme(string specsPath) =>
        $"""
        # Infrastructure specs

        One file per pod: `{specsPath}/<customer>/<environment>/spec.yml`.
        Changes are proposed through the spec editor, which opens a change request per edit.

        To change the form and its validation, commit a schema to `{specsPath}/{PodPaths.SchemaFileName}`.

        """;
}
