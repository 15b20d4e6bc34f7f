export { type TrainOptionsArguments, trainCommand, trainWithArguments, withTrainOptions } from "./command.ts";
export { predictCommand } from "./predict-command.ts";
