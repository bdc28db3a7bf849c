import { LogLevel } from '@convertcom/js-sdk-enums';
import { ConfigAudience, ConfigExperience, ConfigFeature, ConfigGoal, ConfigLocation, ConfigResponseData, ConfigSegment, ExperienceIntegrationBaidu, ExperienceIntegrationClicktale, ExperienceIntegrationClicky, ExperienceIntegrationCnzz, ExperienceIntegrationCrazyegg, ExperienceIntegrationEconda, ExperienceIntegrationEulerian, ExperienceIntegrationGAServing, ExperienceIntegrationGosquared, ExperienceIntegrationHeapanalytics, ExperienceIntegrationHotjar, ExperienceIntegrationMixpanel, ExperienceIntegrationMouseflow, ExperienceIntegrationPiwik, ExperienceIntegrationSegmentio, ExperienceIntegrationSitecatalyst, ExperienceIntegrationWoopra, ExperienceIntegrationYsance, ExperienceVariationConfig } from '@convertcom/js-sdk-types';
import { AddListener, AssignVariation, CheckExperiences, CheckSegmentLooped, CheckSegments, CookieUrl, DisableExperience, DoNotRunExperiences, EnableExperience, ExecuteExperience, ExecuteExperienceLooped, ExecuteMissingDataExperiences, ForceCookieSecure, PlaceVisitorIntoSegment, PushRevenue, Ready, ReadyReturn, RecheckGoals, Redirect, Refresh, SetParameters, SetIntegrationVariable, ShowBody, TriggerConversion, TriggerConversions, TriggerExperienceVariation, Run, DisableVariation, EnableVariation, ConsentRequired, ConsentGiven, TriggerLocation, EnablePreview, DisablePreview } from './api';
import { integrationVariables } from './integration';
export type DeviceData = {
    mobile?: boolean;
    tablet?: boolean;
    desktop?: boolean;
};
export type GeoData = {
    country?: string;
    city?: string;
    continent?: string;
    state?: string;
    zipCode?: string;
};
export type WeatherData = {
    current?: {
        condition: {
            code?: number;
            text: string;
        };
    };
};
export type DebugData = {
    accountId?: string;
    projectId?: string;
    experiences?: {
        splitTest?: string;
        pickVariation?: string;
    };
};
export type ProcessDone = {
    experiences?: boolean;
    goals?: boolean;
    segments?: boolean;
    personalizations?: boolean;
};
export type ProcessQueueItemLegacy = [
    string | ((...args: any) => void),
    ...Array<any>
];
export type ProcessQueueItem = Run | Ready | AddListener | TriggerExperienceVariation | AssignVariation | ExecuteMissingDataExperiences | CheckExperiences | DoNotRunExperiences | DisableExperience | EnableExperience | DisableVariation | EnableVariation | ExecuteExperience | ExecuteExperienceLooped | TriggerConversion | TriggerConversions | PushRevenue | RecheckGoals | PlaceVisitorIntoSegment | CheckSegments | CheckSegmentLooped | ShowBody | ForceCookieSecure | Refresh | Redirect | SetParameters | SetIntegrationVariable | ConsentRequired | ConsentGiven | TriggerLocation | EnablePreview | DisablePreview | CookieUrl | {
    what: string | ((...args: any) => void);
    params?: Record<string, any>;
};
export type ProcessQueue = {
    push?: (...args: (ProcessQueueItem | ProcessQueueItemLegacy)[]) => ReadyReturn | void;
};
export type ConvertConfig = Omit<ConfigResponseData, 'audiences' | 'locations' | 'segments' | 'features' | 'experiences' | 'goals'> & {
    audiences: Record<string, ConfigAudience>;
    locations: Record<string, ConfigLocation>;
    segments: Record<string, ConfigSegment>;
    goals: Record<string, ConfigGoal>;
    features: Record<string, ConfigFeature>;
    experiences: Record<string, Partial<ConfigExperience> & {
        split_original: ExperienceVariationConfig;
        variations: Record<string, ExperienceVariationConfig>;
        integrations: Record<string, ExperienceIntegrationBaidu | ExperienceIntegrationClicktale | ExperienceIntegrationClicky | ExperienceIntegrationCnzz | ExperienceIntegrationCrazyegg | ExperienceIntegrationEconda | ExperienceIntegrationEulerian | ExperienceIntegrationGAServing | ExperienceIntegrationGosquared | ExperienceIntegrationHeapanalytics | ExperienceIntegrationHotjar | ExperienceIntegrationMixpanel | ExperienceIntegrationMouseflow | ExperienceIntegrationPiwik | ExperienceIntegrationSegmentio | ExperienceIntegrationSitecatalyst | ExperienceIntegrationWoopra | ExperienceIntegrationYsance>;
        multipage_pages: {
            id: string;
            url: string;
        };
    }>;
};
export type ConvertData = {
    device?: DeviceData;
    geo?: GeoData;
    weather?: WeatherData;
    environment?: string;
    logLevel?: LogLevel;
    allowCrossDomainAutoLinking?: boolean;
    usePolling?: boolean;
    useMutationObserver?: boolean;
    useSPAOptimizations?: boolean;
    useSignals?: boolean;
    editor?: boolean;
    preview?: boolean;
    tracking?: boolean;
    disabled?: boolean;
    debugData?: DebugData;
    bounceGoal?: string;
    visitorId?: string;
    throttleChanges?: number;
    delayContinuousActivation?: number;
    batchSize?: number;
    releaseInterval?: number;
};
export type ConvertState = {
    currentUrl: string;
    renderComplete?: (value: void) => void;
    isDisabled?: boolean;
    isPreview?: boolean;
    isPreviewURL?: boolean;
    isQAOverlay?: boolean;
    isRedirect?: boolean;
    isEditor?: boolean;
    isTrackingEnabled?: boolean;
    runHash?: number;
    contentSecurityPolicyNonce?: string;
    breakExecution?: boolean;
    processDone?: ProcessDone;
    previewExperience?: Record<string, string>;
    forcedExperience?: Record<string, string>;
    decidedVariation?: Record<string, string>;
    isIntercepting?: boolean;
    delayRun?: boolean;
    pluginId?: string;
    splitTests?: SplitData;
    integrationVariables?: integrationVariables;
    currentExperiences?: Record<string, boolean>;
};
export type SplitDataVariation = {
    time: number;
    value: string;
};
export type SplitData = {
    [experienceId: string]: string | SplitDataVariation;
};
export type CacheData = {
    experiences: {
        [experienceId: string]: {
            firstTime?: boolean;
            variation: ExperienceVariationConfig;
        };
    };
    experiencesGoals: {
        [experienceId: string]: {
            [goalId: string]: number;
        };
    };
    goals: {
        [goalId: string]: number;
    };
};
export type GoalsData = {
    [experienceId: string]: {
        [goalId: string]: boolean;
    };
};
export type HistoricalData = {
    experiences: {
        [experienceId: string]: {
            variation_name?: string;
            variationName?: string;
            variation_id?: string;
            variationId?: string;
            goals: Record<string, number>;
        };
    };
};
