/**
 * Task pipelines over any model: text generation, chat (templates, tools,
 * JSON output), translation, sentiment, summarization and embeddings.
 */
export { pipeline, PIPELINE_TASKS, type PipelineTask, type PipelineTypes, type PipelineOptions, type ModelInput } from './pipeline.js';
export { EnginePipeline } from './base.js';
export { ChatPipeline, prepareChat, chatTemplateOf, type ChatOptions, type ChatReply, type ChatRequestOptions, type PreparedChat, type ResponseFormat, type ToolChoice } from './chat.js';
export { ChatTemplate, CHATML_TEMPLATE, type ChatMessage, type ChatRole, type RenderOptions, type ToolCall, type ToolSpec } from './chat-template.js';
export { parseToolCalls, toolCallSchema, ToolCallStreamSplitter, type ParsedToolOutput } from './tool-calls.js';
export { SentimentPipeline, CONTENT_FREE_INPUTS, type SentimentOptions, type SentimentResult } from './sentiment.js';
export { TranslationPipeline, SummarizationPipeline, type TaskAnswer, type TaskGenerationOptions, type TranslationOptions } from './text-tasks.js';
export { TextGenerationPipeline, EmbeddingsPipeline, cosineSimilarity, type EmbeddingOptions, type GenerationOptions, type GenerationOutput } from './text-generation.js';
export { promptsFor, genericPrompts, languageName, BUILTIN_SENTIMENT_LABELS, type TaskPrompts } from './task-prompts.js';
