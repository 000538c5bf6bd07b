// The s2s-relay message contract as a Go backend sees it (docs/contract.md): the workflow type and id
// scheme, the message names, the JSON of the messages and answers, and how a refusal arrives. Nothing here
// comes from the relay's TypeScript code: only names and JSON, as for any language.
package main

import (
	"errors"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// WorkflowType is the user workflow's type name; one workflow per app user.
const WorkflowType = "userWorkflow"

// WorkflowID is the id of a user's workflow: "s2s-user-" + userId.
func WorkflowID(userID string) string { return "s2s-user-" + userID }

// Message names: each is a signal (fire and forget) and an update (answered) of the same name.
const (
	MsgSignup    = "signup"
	MsgTrack     = "track"
	MsgRefund    = "refund"
	MsgAdRevenue = "adRevenue"
	MsgRedrive   = "redrive"
)

// WorkflowInput is the workflow's start argument.
type WorkflowInput struct {
	UserID string `json:"userId"`
}

// DeviceIDs holds the device identifiers the user has (docs/contract/schema/signup.json).
type DeviceIDs struct {
	IDFA string `json:"idfa,omitempty"`
	IDFV string `json:"idfv,omitempty"`
}

// Signup is the install context of one app user (signup.json).
type Signup struct {
	UserID         string     `json:"userId"`
	App            string     `json:"app"`
	InstalledAt    string     `json:"installedAt"`
	Platform       string     `json:"platform"`
	DeviceIDs      *DeviceIDs `json:"deviceIds,omitempty"`
	AppsflyerID    string     `json:"appsflyerId,omitempty"`
	CustomerUserID string     `json:"customerUserId,omitempty"`
	IP             string     `json:"ip,omitempty"`
	OSVersion      string     `json:"osVersion,omitempty"`
	ATTStatus      *int       `json:"attStatus,omitempty"`
}

// Track is an in-app event; with revenue it is a purchase a refund can name (track.json).
// Amounts are decimal strings, never JSON numbers.
type Track struct {
	UserID     string `json:"userId"`
	EventID    string `json:"eventId"`
	Name       string `json:"name"`
	OccurredAt string `json:"occurredAt"`
	Revenue    string `json:"revenue,omitempty"`
	Currency   string `json:"currency,omitempty"`
}

// Refund reverses (part of) a purchase (refund.json).
type Refund struct {
	UserID          string `json:"userId"`
	RefundID        string `json:"refundId"`
	PurchaseEventID string `json:"purchaseEventId"`
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	OccurredAt      string `json:"occurredAt"`
	Reason          string `json:"reason,omitempty"`
}

// SignupAnswer is what the signup update answers.
type SignupAnswer struct {
	Status             string   `json:"status"` // signed-up | already-signed-up
	UserID             string   `json:"userId"`
	App                string   `json:"app"`
	InstalledAt        string   `json:"installedAt"`
	GateAt             string   `json:"gateAt"`
	Amended            []string `json:"amended,omitempty"`
	IgnoredDifferences []string `json:"ignoredDifferences,omitempty"`
}

// Delivery is one vendor's delivery of a message.
type Delivery struct {
	Destination string `json:"destination"` // adjust | appsflyer
	DeliveryID  string `json:"deliveryId"`
	Outcome     string `json:"outcome"` // pending | delivered | duplicate | skipped | dead-lettered
	At          string `json:"at,omitempty"`
	Status      int    `json:"status,omitempty"`
	Detail      string `json:"detail,omitempty"`
}

// MessageAnswer is what the track, refund and adRevenue updates answer.
type MessageAnswer struct {
	Status               string     `json:"status"` // accepted | duplicate
	Kind                 string     `json:"kind"`
	ID                   string     `json:"id"`
	ReceivedOn           string     `json:"receivedOn"`
	Held                 bool       `json:"held"`
	Deliveries           []Delivery `json:"deliveries"`
	ConflictingDuplicate bool       `json:"conflictingDuplicate,omitempty"`
}

// FieldIssue names a field (dotted path, "(message)" for the whole message) and the rule it breaks.
type FieldIssue struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// RefusalDetails is the first detail of a refusal (ApplicationError of type RelayInputError or RelayRejectedError).
type RefusalDetails struct {
	Message string       `json:"message"` // which message: signup, track, ...
	Issues  []FieldIssue `json:"issues"`
	Reason  string       `json:"reason,omitempty"` // RelayRejectedError: e.g. unknown-purchase, backlog-full
}

// Refusal is a message the relay refused: fix it (RelayInputError) or look at the user's state (RelayRejectedError).
type Refusal struct {
	Type    string         `json:"type"`
	Text    string         `json:"text"`
	Details RefusalDetails `json:"details"`
}

func (r *Refusal) Error() string {
	parts := make([]string, 0, len(r.Details.Issues))
	for _, issue := range r.Details.Issues {
		parts = append(parts, issue.Path+": "+issue.Message)
	}
	return fmt.Sprintf("%s (%s): %s", r.Type, r.Details.Message, strings.Join(parts, "; "))
}

// AsRefusal finds a relay refusal in an update's error; other errors (unreachable server, no worker) are not one.
func AsRefusal(err error) (*Refusal, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || (appErr.Type() != "RelayInputError" && appErr.Type() != "RelayRejectedError") {
		return nil, false
	}
	refusal := &Refusal{Type: appErr.Type(), Text: appErr.Message()}
	if appErr.HasDetails() {
		if detailsErr := appErr.Details(&refusal.Details); detailsErr != nil {
			refusal.Details.Issues = []FieldIssue{{Path: "(message)", Message: appErr.Message()}}
		}
	}
	return refusal, true
}

// StartOptions starts a user's workflow as the contract requires: one per user id (an existing run is used),
// a closed run never replaced (REJECT_DUPLICATE: an operator runs `s2s recover <userId>`), and the search
// attributes operators filter on.
func StartOptions(taskQueue, userID, app string) client.StartWorkflowOptions {
	attributes := []temporal.SearchAttributeUpdate{
		temporal.NewSearchAttributeKeyKeyword("S2SUserId").ValueSet(userID),
		temporal.NewSearchAttributeKeyInt64("S2SPending").ValueSet(0),
		temporal.NewSearchAttributeKeyInt64("S2SDeadLetters").ValueSet(0),
	}
	if app != "" { // a signup: the app is known and the user is ready
		attributes = append(attributes,
			temporal.NewSearchAttributeKeyKeyword("S2SApp").ValueSet(app),
			temporal.NewSearchAttributeKeyKeyword("S2SState").ValueSet("ok"))
	} else { // an event before the signup: held until it arrives
		attributes = append(attributes, temporal.NewSearchAttributeKeyKeyword("S2SState").ValueSet("waiting for install"))
	}
	return client.StartWorkflowOptions{
		ID:                       WorkflowID(userID),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attributes...),
	}
}
