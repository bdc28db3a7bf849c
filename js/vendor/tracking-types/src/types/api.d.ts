import { LogLevel } from '@convertcom/js-sdk-enums';
import { IntegrationProvider, VisitorSegments } from '@convertcom/js-sdk-types';
import { ConvertData, GeoData } from './data';
import { BrowserInfo } from './browser';
import { LifeCycleEvent } from 'src/enums/lifecycle-event';
import { IntegrationProviderExtra } from 'src/enums/integration-data';
import { IntegrationCustomVariable } from './integration';
export type VisitorData = {
    bucketing: Array<{
        experienceId: string;
        variationId: string;
        firstTime: boolean;
        goals: Array<{
            goalId: string;
            thisRun: boolean;
            timestamp?: number;
        }>;
    }>;
    segments: VisitorSegments;
    visitorId: string;
};
export type UserData = {
    geo: GeoData;
    system: BrowserInfo;
    browsing: {
        returning: boolean;
    };
};
export type ReadyReturn = Promise<void>;
type QueueBase = {
    what: string;
    params?: Record<string, any>;
};
export type Ready = QueueBase & {
    what: 'ready' | ((...args: any) => ReadyReturn);
};
export type AddListener = {
    what: 'addListener' | ((...args: any) => ReadyReturn);
    params: {
        event: LifeCycleEvent;
        handler: (event?: Record<string, any>) => void;
    };
};
export type Run = QueueBase & {
    what: 'run' | ((...args: any) => void);
    params?: {
        resetData?: boolean;
    };
};
export type TriggerExperienceVariation = QueueBase & {
    what: 'triggerExperienceVariation' | ((...args: any) => void);
    params: {
        experienceId: string;
        variationId: string;
    };
};
export type AssignVariation = QueueBase & {
    what: 'assignVariation' | ((...args: any) => void);
    params: {
        experienceId: string;
        variationId: string;
    };
};
export type ExecuteMissingDataExperiences = QueueBase & {
    what: 'executeMissingDataExperiences' | ((...args: any) => void);
    params?: {
        visitorId?: string;
        triggerIntegrations?: boolean;
    };
};
export type CheckExperiences = QueueBase & {
    what: 'checkExperiences' | ((...args: any) => void);
    params?: {
        visitorId?: string;
        triggerIntegrations?: boolean;
    };
};
export type DoNotRunExperiences = QueueBase & {
    what: 'doNotRunExperiences' | ((...args: any) => void);
};
export type DisableExperience = QueueBase & {
    what: 'disableExperience' | ((...args: any) => void);
    params: {
        experienceId: string | Array<string>;
    };
};
export type EnableExperience = QueueBase & {
    what: 'enableExperience' | ((...args: any) => void);
    params: {
        experienceId: string | Array<string>;
    };
};
export type DisableVariation = QueueBase & {
    what: 'disableVariation' | ((...args: any) => void);
    params: {
        experienceId: string;
        variationId: string;
    };
};
export type EnableVariation = QueueBase & {
    what: 'enableVariation' | ((...args: any) => void);
    params: {
        experienceId: string;
        variationId: string;
    };
};
export type ExecuteExperience = QueueBase & {
    what: 'executeExperience' | ((...args: any) => void);
    params: {
        experienceId: string;
        visitorId?: string;
        triggerIntegrations?: boolean;
        logLevel?: LogLevel;
    };
};
export type ExecuteExperienceLooped = QueueBase & {
    what: 'executeExperienceLooped' | ((...args: any) => void);
    params?: {
        locationId?: string;
        experienceId?: string;
        visitorId?: string;
        triggerIntegrations?: boolean;
    };
};
export type TriggerConversion = QueueBase & {
    what: 'triggerConversion' | ((...args: any) => void);
    params: {
        goalId: string;
        experienceId?: string;
        visitorId?: string;
    };
};
export type TriggerConversions = QueueBase & {
    what: 'triggerConversions' | ((...args: any) => void);
    params: {
        goalId: Array<string>;
        experienceId?: string;
        visitorId?: string;
    };
};
export type PushRevenue = QueueBase & {
    what: 'pushRevenue' | ((...args: any) => void);
    params: {
        goalId?: string;
        transactionId: string;
        amount: number | string;
        productsCount?: number;
        fromAutoPickRevenue?: string;
        forceMultiple?: boolean;
    };
};
export type RecheckGoals = QueueBase & {
    what: 'recheckGoals' | ((...args: any) => void);
};
export type PlaceVisitorIntoSegment = QueueBase & {
    what: 'placeVisitorIntoSegment' | ((...args: any) => void);
    params: {
        segmentId: string;
        visitorId?: string;
    };
};
export type CheckSegments = QueueBase & {
    what: 'checkSegments' | ((...args: any) => void);
    params: {
        visitorId?: string;
    };
};
export type CheckSegmentLooped = QueueBase & {
    what: 'checkSegmentLooped' | ((...args: any) => void);
    params: {
        segmentId: string;
        visitorId?: string;
    };
};
export type ShowBody = QueueBase & {
    what: 'showBody' | ((...args: any) => void);
};
export type ForceCookieSecure = QueueBase & {
    what: 'forceCookieSecure' | ((...args: any) => void);
    params: {
        secure: boolean;
    };
};
export type Refresh = QueueBase & {
    what: 'refresh' | ((...args: any) => void);
};
export type Redirect = QueueBase & {
    what: 'redirect' | ((...args: any) => void);
};
export type SetParameters = QueueBase & {
    what: 'setParameters' | ((...args: any) => void);
    params: {
        data: ConvertData;
    };
};
export type SetIntegrationVariable = QueueBase & {
    what: 'setIntegrationVariable' | ((...args: any) => void);
    params: {
        integration: `${IntegrationProvider | IntegrationProviderExtra}`;
        customVariable: IntegrationCustomVariable;
    };
};
export type ConsentRequired = QueueBase & {
    what: 'consentRequired' | ((...args: any) => void);
    params?: {
        runExperiences?: boolean;
    };
};
export type ConsentGiven = QueueBase & {
    what: 'consentGiven' | ((...args: any) => void);
};
export type TriggerLocation = QueueBase & {
    what: 'triggerLocation' | ((...args: any) => void);
    params: {
        locationId: string;
        triggerIntegrations?: boolean;
    };
};
export type EnablePreview = QueueBase & {
    what: 'enablePreview' | ((...args: any) => void);
    params?: {
        enableTracking?: boolean;
    };
};
export type DisablePreview = QueueBase & {
    what: 'disablePreview' | ((...args: any) => void);
};
export type CookieUrl = QueueBase & {
    what: 'cookieUrl' | ((...args: any) => void);
    params: {
        url: string;
    };
};
export {};
