using Crm.Testing;
using Xunit;

namespace Crm.Dashboard.Tests;

/// <summary>One platform of real processes for the browser test and the demo test (run one after the other): each test counts relative to what it found.</summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<Platform>
{
    public const string Name = "dashboard-platform";
}
