// A Go backend using s2s-relay through its contract only (docs/contract.md): signs a user up
// (update-with-start), tracks a purchase (update-with-start), refunds it (update), prints the answers, and
// shows how a refused message (RelayInputError) looks from Go.
//
//	TEMPORAL_ADDRESS=localhost:7233 TEMPORAL_TASK_QUEUE=s2s-relay S2S_PAYLOAD_KEYS=... go run . -app demo-ios
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

type options struct {
	address, namespace, taskQueue  string
	userID, app, idfa, appsflyerID string
	installedAt                    string
	jsonOut                        bool
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = (b[6]&0x0f)|0x40, (b[8]&0x3f)|0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

func parseOptions() options {
	now := time.Now().UTC()
	o := options{}
	flag.StringVar(&o.address, "address", env("TEMPORAL_ADDRESS", "localhost:7233"), "Temporal frontend host:port (TEMPORAL_ADDRESS)")
	flag.StringVar(&o.namespace, "namespace", env("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (TEMPORAL_NAMESPACE)")
	flag.StringVar(&o.taskQueue, "task-queue", env("TEMPORAL_TASK_QUEUE", "s2s-relay"), "the relay deployment's task queue (TEMPORAL_TASK_QUEUE)")
	flag.StringVar(&o.userID, "user", fmt.Sprintf("go-example-%d", now.UnixNano()), "the app's user id")
	flag.StringVar(&o.app, "app", "demo-ios", "app key in the relay configuration (an iOS app)")
	flag.StringVar(&o.idfa, "idfa", randomUUID(), "the device's IDFA")
	flag.StringVar(&o.appsflyerID, "appsflyer-id", fmt.Sprintf("%d-%07d", now.UnixMilli(), now.Nanosecond()%10_000_000), "the user's AppsFlyer id")
	flag.StringVar(&o.installedAt, "installed-at", now.Add(-time.Hour).Format(time.RFC3339), "install time (RFC 3339)")
	flag.BoolVar(&o.jsonOut, "json", false, "print one JSON document with every answer instead of text")
	flag.Parse()
	return o
}

// update runs one message as an update and decodes its answer; start, when given, starts the workflow if needed.
func update(ctx context.Context, c client.Client, userID, name string, message any, start *client.StartWorkflowOptions, answer any) error {
	options := client.UpdateWorkflowOptions{WorkflowID: WorkflowID(userID), UpdateName: name, Args: []any{message}, WaitForStage: client.WorkflowUpdateStageCompleted}
	var handle client.WorkflowUpdateHandle
	var err error
	if start != nil {
		operation := c.NewWithStartWorkflowOperation(*start, WorkflowType, WorkflowInput{UserID: userID})
		options.WorkflowID = "" // taken from the start operation
		handle, err = c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: operation, UpdateOptions: options})
	} else {
		handle, err = c.UpdateWorkflow(ctx, options)
	}
	if err != nil {
		return err
	}
	return handle.Get(ctx, answer)
}

func run(o options) (map[string]any, error) {
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	// The workers encrypt payloads (S2S_PAYLOAD_KEYS): this client must use the same keys (codec.go).
	dc, err := dataConverter(os.Getenv("S2S_PAYLOAD_KEYS"))
	if err != nil {
		return nil, err
	}
	// Failure details (a refusal's field issues) are payloads too: the failure converter decodes them with it.
	fc := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc})
	c, err := client.Dial(client.Options{HostPort: o.address, Namespace: o.namespace, Logger: logger, DataConverter: dc, FailureConverter: fc})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", o.address, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	results := map[string]any{"userId": o.userID, "workflowId": WorkflowID(o.userID)}
	now := time.Now().UTC()

	att := 3
	signup := Signup{UserID: o.userID, App: o.app, InstalledAt: o.installedAt, Platform: "ios", DeviceIDs: &DeviceIDs{IDFA: o.idfa},
		AppsflyerID: o.appsflyerID, OSVersion: "17.1", ATTStatus: &att, IP: "203.0.113.7"}
	signupStart := StartOptions(o.taskQueue, o.userID, o.app)
	var signedUp SignupAnswer
	if err := update(ctx, c, o.userID, MsgSignup, signup, &signupStart, &signedUp); err != nil {
		return results, fmt.Errorf("signup: %w", err)
	}
	results["signup"] = signedUp

	purchase := Track{UserID: o.userID, EventID: "go_purchase_1", Name: "purchase", OccurredAt: now.Add(-30 * time.Second).Format(time.RFC3339Nano), Revenue: "9.99", Currency: "USD"}
	eventStart := StartOptions(o.taskQueue, o.userID, "")
	var tracked MessageAnswer
	if err := update(ctx, c, o.userID, MsgTrack, purchase, &eventStart, &tracked); err != nil {
		return results, fmt.Errorf("track: %w", err)
	}
	results["track"] = tracked

	refund := Refund{UserID: o.userID, RefundID: "go_refund_1", PurchaseEventID: purchase.EventID, Amount: "9.99", Currency: "USD", OccurredAt: now.Format(time.RFC3339Nano), Reason: "customer request"}
	var refunded MessageAnswer
	if err := update(ctx, c, o.userID, MsgRefund, refund, nil, &refunded); err != nil {
		return results, fmt.Errorf("refund: %w", err)
	}
	results["refund"] = refunded

	// A message that breaks the contract: revenue as a JSON number, and a date that does not exist.
	bad := map[string]any{"userId": o.userID, "eventId": "go_bad_1", "name": "purchase", "occurredAt": "2026-02-30T10:00:00Z", "revenue": 4.99, "currency": "USD"}
	var ignored MessageAnswer
	err = update(ctx, c, o.userID, MsgTrack, bad, nil, &ignored)
	refusal, ok := AsRefusal(err)
	if !ok {
		return results, fmt.Errorf("the bad track was not refused as the contract says (error: %v)", err)
	}
	results["refused"] = refusal
	return results, nil
}

func printText(results map[string]any) {
	fmt.Printf("user %v (workflow %v)\n", results["userId"], results["workflowId"])
	for _, key := range []string{"signup", "track", "refund"} {
		if answer, ok := results[key]; ok {
			text, _ := json.Marshal(answer)
			fmt.Printf("%-7s -> %s\n", key, text)
		}
	}
	if refusal, ok := results["refused"].(*Refusal); ok {
		fmt.Printf("bad track refused: %s %q\n", refusal.Type, refusal.Text)
		for _, issue := range refusal.Details.Issues {
			fmt.Printf("  %s: %s\n", issue.Path, issue.Message)
		}
	}
}

func main() {
	o := parseOptions()
	results, err := run(o)
	if o.jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(results)
	} else {
		printText(results)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
