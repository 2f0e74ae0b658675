// Pulumi's in-process mocks keep the deployment in process-wide state: tests must run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
