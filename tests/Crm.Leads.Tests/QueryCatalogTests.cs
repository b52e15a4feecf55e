using Crm.Contracts.Api;
using Crm.Contracts.Api.Leads;
using Crm.Leads.Leads;
using Crm.Leads.Pipelines;
using Crm.Leads.Prediction;
using Crm.Leads.Scoring;
using Crm.Leads.Signals;
using Crm.ServiceDefaults.Messaging;
using Crm.Testing;
using Xunit;

namespace Crm.Leads.Tests;

/// <summary>The Leads store's collections and queries rendered for SQLite (with its plan) and MongoDB: see <c>queries.approved.md</c>.</summary>
public sealed class QueryCatalogTests
{
    [Fact]
    public Task Every_query_renders_on_both_backends() =>
        QueryCatalog.VerifyAsync(
            "queries.approved.md",
            [LeadCollections.Leads, PipelineCollections.Pipelines, PipelineCollections.Versions, ScoringCollections.Rules, ScoringCollections.RuleVersions, ScoringCollections.History, ScoringCollections.Jobs, SignalCollections.Signals, PredictionCollections.Models, ContactMergeLog.Collection],
            [typeof(LeadQueries), typeof(ScoringQueries), typeof(PredictionCollections), typeof(Crm.Leads.Contacts.ContactRecords)],
            new Dictionary<Type, object>
            {
                [typeof(LeadFilter)] = new LeadFilter { Pipeline = "default", Stage = "new", Status = LeadStatus.Open, Grade = Grade.Hot, ScoreMin = 20, Sort = "-score" },
            });
}
