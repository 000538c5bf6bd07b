// The floor's one activity: does nothing and returns the message id, so the floor measures only what
// Temporal itself costs per activity (scheduling, dispatch, completion, history).
export interface FloorActivities {
  noop(id: string): Promise<string>;
}

export const floorActivities: FloorActivities = {
  async noop(id) {
    return id;
  },
};
