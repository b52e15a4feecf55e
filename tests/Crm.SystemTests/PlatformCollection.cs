using Crm.Testing;
using Xunit;

namespace Crm.SystemTests;

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<Platform>
{
    public const string Name = "platform";
}
