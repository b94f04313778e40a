// The fault suite measures timing on a small machine: run one test at a time so tests do not load each other.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace DpcPi.Reliability.Tests;
